# rpm_sign.sh: signing for the rpm tests, sourced by them, so that they pass
# under every rpm's default signature policy (rpm 6 refuses unsigned
# packages: %_pkgverify_level all). A throwaway OpenPGP key made with gpg in
# $work, packages signed with rpmsign, the key imported into each test
# root's rpmdb with rpm --root R --import. The caller sets $work first.
#   sign_packages RPM...   sign each file in place (makes the key once)
#   trust_test_key ROOT    import the key into ROOT's rpmdb (once per root)
#   rpm_policy             rpm options for that policy, on every rpm
#   rpm_policy_macro       the same as a macros file line (for dnf)
# Upstream rpm 6 installs only packages with a valid signature and digests
# (%_pkgverify_level all); Debian's rpm 6 patches that back to "digest"
# (rpm 6.0.0-2: "do not verify signatures by default"), so the tests ask
# for it themselves, on every rpm that has the macro (4.14.2 on).
rpm_policy=(--define '_pkgverify_level all')
rpm_policy_macro='%_pkgverify_level all'
# Under tests/support/old_kernel (tools/test --old-kernel) gpg-agent, which
# is not ours, cannot make or use a key ("agent_genkey failed: End of
# file"): there the packages stay unsigned and rpm keeps Debian's default
# policy. That run is about our fallbacks; the plain run and the platform
# matrix test the signatures. signing_on says which it is.
signing_on=yes
if [[ -n ${LEOFS_OLD_KERNEL:-} ]]; then
    signing_on=no
    rpm_policy=()
    rpm_policy_macro=''
fi

test_key_home=$work/gnupg
test_key_id="LeoFS upgrade hooks test key <test@leofs.invalid>"

make_test_key() {
    [[ $signing_on == yes ]] || return 0
    [[ -f $test_key_home/public.asc ]] && return 0
    mkdir -p "$test_key_home" && chmod 700 "$test_key_home"
    # RSA: every rpm's OpenPGP code verifies it (rpm 4.16's own parser as
    # well as rpm 6's Sequoia); no passphrase, no expiry.
    GNUPGHOME=$test_key_home gpg --batch --quiet --passphrase '' \
        --quick-generate-key "$test_key_id" rsa2048 sign never >"$test_key_home/log" 2>&1 &&
        GNUPGHOME=$test_key_home gpg --batch --armor --export "$test_key_id" \
            >"$test_key_home/public.asc" 2>>"$test_key_home/log" &&
        [[ -s $test_key_home/public.asc ]] ||
        { echo "rpm_sign.sh: cannot make a test key with gpg:"; cat "$test_key_home/log"; return 1; }
}

# rpmsign's key macros differ by version: %_gpg_name up to 4.20,
# %_openpgp_sign_id from rpm 6 (which can also sign with Sequoia's sq).
# Debian's rpm names gpg /usr/bin/gpg2, which no package installs.
sign_packages() {
    [[ $signing_on == yes ]] || return 0
    make_test_key || return
    GNUPGHOME=$test_key_home rpmsign --addsign --define "__gpg $(command -v gpg)" \
        --define "_gpg_path $test_key_home" --define "_gpg_name $test_key_id" \
        --define "_openpgp_sign_id $test_key_id" --define "_openpgp_sign gpg" \
        "$@" >"$test_key_home/sign.log" 2>&1 ||
        { echo "rpm_sign.sh: rpmsign failed:"; cat "$test_key_home/sign.log"; return 1; }
}

# The marker sits beside the root in $work, not in it: the tests compare
# what is in the root.
trust_test_key() {
    local root=$1
    [[ $signing_on == yes ]] || return 0
    [[ -e $root.key-imported ]] && return 0
    make_test_key || return
    rpm --root "$root" --dbpath /var/lib/rpm --import "$test_key_home/public.asc" \
        >"$test_key_home/import.log" 2>&1 ||
        { echo "rpm_sign.sh: rpm --import into $root failed:"; cat "$test_key_home/import.log"; return 1; }
    : >"$root.key-imported"
}
