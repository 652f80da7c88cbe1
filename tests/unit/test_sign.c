/*
 * test_sign.c - Ed25519 signatures and key files (base/sign.c).  The
 * `hhmatch keygen --sign`, `run --sign-key` and `verify --pubkey` command
 * lines are tested end to end (tests/e2e/it_manifest.sh).
 *
 * Known answers: RFC 8032 section 7.1, tests 1 (empty message) and 2 (one
 * byte): the seed gives the public key, signing gives the signature byte
 * for byte (Ed25519 is deterministic), and the signature checks under the
 * public key alone.  Key files are made in the test's temporary folder.
 */
#include <criterion/criterion.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include <openssl/sha.h>

#include "base/hex.h"
#include "base/sign.h"

#define TESTDIR_NAME "sign"
#include "testdir.h"

TestSuite(sign, .init = testdir_setup, .fini = testdir_teardown);

typedef struct {
	const char *seed, *pub, *msg, *sig;
} rfc8032;

static const rfc8032 vectors[] = {
	{"9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60",
	 "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a", "",
	 "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e06522490155"
	 "5fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b"},
	{"4ccd089b28ff96da9db6c346ec114e0f5b8a319f35aba624da8cf6ed4fb8a6fb",
	 "3d4017c3e843895a92b70aa74d1b7ebc9c982ccf2ec4968cc0cd55f12af4660c", "72",
	 "92a009a9f0d4cab8720e820b5f642540a2b27b5416503f8fb3762223ebdb69da"
	 "085ac1e43e15996e458f3613d0f11d8c387b2eaeb4302aeeb00d291612bb0c00"},
};

static void check_vector(const rfc8032 *v)
{
	uint8_t seed[32], pub[32], msg[8], want[SIGN_BYTES], sig[SIGN_BYTES];
	size_t mlen = strlen(v->msg) / 2;
	cr_assert_eq(hex_decode(v->seed, 32, seed), 0);
	cr_assert_eq(hex_decode(v->pub, 32, pub), 0);
	cr_assert_eq(hex_decode(v->msg, mlen, msg), 0);
	cr_assert_eq(hex_decode(v->sig, SIGN_BYTES, want), 0);

	sign_key *priv = NULL, *pk = NULL;
	hh_err err;
	cr_assert_eq(sign_key_from_seed(seed, &priv, &err), HH_OK, "%s", err.msg);
	cr_assert_eq(sign_key_from_public(pub, &pk, &err), HH_OK, "%s", err.msg);
	/* same public key: same fingerprint, the first 16 hex of its SHA-256 */
	char digest[65];
	cr_assert_eq(hex_sha256(pub, 32, digest), 0);
	cr_assert_str_eq(sign_key_fingerprint(pk), (digest[16] = '\0', digest));
	cr_assert_str_eq(sign_key_fingerprint(priv), sign_key_fingerprint(pk));
	cr_assert(sign_key_can_sign(priv));
	cr_assert_not(sign_key_can_sign(pk));

	cr_assert_eq(sign_data(priv, msg, mlen, sig, &err), HH_OK, "%s", err.msg);
	cr_assert_eq(memcmp(sig, want, SIGN_BYTES), 0, "signature differs from RFC 8032");
	cr_assert(sign_check(pk, msg, mlen, want));
	cr_assert(sign_check(priv, msg, mlen, want));
	/* one bit of the signature or the message changed: refused */
	sig[10] ^= 1;
	cr_assert_not(sign_check(pk, msg, mlen, sig));
	cr_assert_not(sign_check(pk, "x", 1, want));
	/* a public key cannot sign */
	cr_assert_eq(sign_data(pk, msg, mlen, sig, &err), HH_EINTERNAL);
	sign_key_free(priv);
	sign_key_free(pk);
}

Test(sign, rfc8032_test1) { check_vector(&vectors[0]); }
Test(sign, rfc8032_test2) { check_vector(&vectors[1]); }

Test(sign, vectors_do_not_cross)
{
	uint8_t pub[32], sig[SIGN_BYTES];
	sign_key *pk = NULL;
	hh_err err;
	cr_assert_eq(hex_decode(vectors[1].pub, 32, pub), 0);
	cr_assert_eq(hex_decode(vectors[0].sig, SIGN_BYTES, sig), 0);
	cr_assert_eq(sign_key_from_public(pub, &pk, &err), HH_OK);
	cr_assert_not(sign_check(pk, "", 0, sig));
	sign_key_free(pk);
}

static unsigned mode_of(const char *path)
{
	struct stat sb;
	cr_assert_eq(stat(path, &sb), 0, "%s", path);
	return (unsigned)(sb.st_mode & 0777);
}

Test(sign, keygen_files_round_trip)
{
	char fpr[SIGN_FPR_HEX + 1];
	hh_err err;
	const char *priv_path = tpath("k");
	cr_assert_eq(sign_keygen(priv_path, fpr, &err), HH_OK, "%s", err.msg);
	cr_assert_eq(strlen(fpr), SIGN_FPR_HEX);
	cr_assert_eq(mode_of(tpath("k")), 0600);
	cr_assert_eq(mode_of(tpath("k.pub")), 0644);

	sign_key *priv = NULL, *pub = NULL, *pub_from_priv = NULL;
	cr_assert_eq(sign_key_load_private(tpath("k"), &priv, &err), HH_OK, "%s", err.msg);
	cr_assert_eq(sign_key_load_public(tpath("k.pub"), &pub, &err), HH_OK, "%s", err.msg);
	cr_assert_eq(sign_key_load_public(tpath("k"), &pub_from_priv, &err), HH_OK);
	cr_assert_str_eq(sign_key_fingerprint(priv), fpr);
	cr_assert_str_eq(sign_key_fingerprint(pub), fpr);
	cr_assert_str_eq(sign_key_fingerprint(pub_from_priv), fpr);
	uint8_t sig[SIGN_BYTES];
	cr_assert_eq(sign_data(priv, "manifest", 8, sig, &err), HH_OK);
	cr_assert(sign_check(pub, "manifest", 8, sig));
	cr_assert_not(sign_check(pub, "manifesT", 8, sig));
	/* a public key file is not a private key */
	sign_key *bad = NULL;
	cr_assert_eq(sign_key_load_private(tpath("k.pub"), &bad, &err), HH_EINPUT);
	cr_assert_null(bad);
	sign_key_free(priv);
	sign_key_free(pub);
	sign_key_free(pub_from_priv);
}

Test(sign, keygen_never_overwrites)
{
	char fpr[SIGN_FPR_HEX + 1];
	hh_err err;
	write_bytes(tpath("k"), "old\n", 4);
	cr_assert_eq(sign_keygen(tpath("k"), fpr, &err), HH_EUSAGE);
	cr_assert(strstr(err.msg, "already exists"), "%s", err.msg);
	cr_assert_eq(access(tpath("k.pub"), F_OK), -1);
	/* an existing .pub: nothing written at all */
	write_bytes(tpath("j.pub"), "old\n", 4);
	cr_assert_eq(sign_keygen(tpath("j"), fpr, &err), HH_EUSAGE);
	cr_assert_eq(access(tpath("j"), F_OK), -1);
}

Test(sign, private_key_readable_by_others_refused)
{
	char fpr[SIGN_FPR_HEX + 1];
	hh_err err;
	sign_key *k = NULL;
	cr_assert_eq(sign_keygen(tpath("k"), fpr, &err), HH_OK, "%s", err.msg);
	cr_assert_eq(chmod(tpath("k"), 0640), 0);
	cr_assert_eq(sign_key_load_private(tpath("k"), &k, &err), HH_EINPUT);
	cr_assert(strstr(err.msg, "readable by group or others"), "%s", err.msg);
	cr_assert(strstr(err.msg, "BEGIN") == NULL, "%s", err.msg);
	cr_assert_null(k);
	/* the public half may be read by anyone */
	cr_assert_eq(sign_key_load_public(tpath("k.pub"), &k, &err), HH_OK, "%s", err.msg);
	sign_key_free(k);
}

Test(sign, not_a_key)
{
	hh_err err;
	sign_key *k = NULL;
	write_bytes(tpath("x.pub"), "not a key\n", 10);
	cr_assert_eq(sign_key_load_public(tpath("x.pub"), &k, &err), HH_EINPUT);
	cr_assert(strstr(err.msg, "not an Ed25519"), "%s", err.msg);
	cr_assert_eq(sign_key_load_public(tpath("missing.pub"), &k, &err), HH_EINPUT);
	cr_assert_null(k);
}
