#!/usr/bin/env python3
"""Generates the test PKI fixtures of this directory (run once by hand; the outputs are committed).

An independent implementation (Python `cryptography` for keys, certificates, CRLs and signatures; a
tiny DER writer here for CMS, the LDS security object and the master list), so the C++ parsers and
verifiers are tested against bytes they did not produce. All dates are fixed; tests validate at
2026-06-01T00:00:00Z (1780272000) unless they say otherwise.

  python3 make_pki.py   # writes *.der / *.bin / *.pem next to this script
"""
import datetime
import hashlib
import os

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.x509.oid import NameOID

OUT = os.path.dirname(os.path.abspath(__file__))
UTC = datetime.timezone.utc


def d(y, m, day):
    return datetime.datetime(y, m, day, tzinfo=UTC)


# ---------------------------------------------------------------- DER writer
def length(n):
    if n < 0x80:
        return bytes([n])
    b = n.to_bytes((n.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(b)]) + b


def tlv(tag, value):
    return bytes([tag]) + length(len(value)) + value


def seq(*items):
    return tlv(0x30, b"".join(items))


def set_of(*items):
    return tlv(0x31, b"".join(sorted(items)))


def integer(v):
    n = max(1, (v.bit_length() + 8) // 8)
    return tlv(0x02, v.to_bytes(n, "big", signed=True))


def octets(b):
    return tlv(0x04, b)


def oid(dotted):
    arcs = [int(a) for a in dotted.split(".")]
    body = bytearray()
    for i, a in enumerate([arcs[0] * 40 + arcs[1]] + arcs[2:]):
        chunk = [a & 0x7F]
        a >>= 7
        while a:
            chunk.append(0x80 | (a & 0x7F))
            a >>= 7
        body += bytes(reversed(chunk))
    return tlv(0x06, bytes(body))


NULL = b"\x05\x00"
SHA = {"sha1": ("1.3.14.3.2.26", hashes.SHA1()), "sha256": ("2.16.840.1.101.3.4.2.1", hashes.SHA256())}


def alg(dotted, params=None):
    return seq(oid(dotted), params) if params is not None else seq(oid(dotted))


def utc_time(t):
    return tlv(0x17, t.strftime("%y%m%d%H%M%SZ").encode())


# ---------------------------------------------------------------- PKI
def rsa_key(bits=2048):
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def ec_key(curve):
    return ec.generate_private_key(curve)


def name(cn, c="UT", o="DocVal Test"):
    return x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, c),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, o),
        x509.NameAttribute(NameOID.COMMON_NAME, cn),
    ])


serial_counter = [0x1000]


def cert(subject, issuer, pub, issuer_key, not_before, not_after, ca, hash_alg=hashes.SHA256(),
         issuer_pub=None, extra=None, serial=None, rsa_padding=None):
    if serial is None:
        serial_counter[0] += 1
        serial = serial_counter[0]
    b = (x509.CertificateBuilder().subject_name(subject).issuer_name(issuer).public_key(pub)
         .serial_number(serial).not_valid_before(not_before).not_valid_after(not_after))
    b = b.add_extension(x509.SubjectKeyIdentifier.from_public_key(pub), critical=False)
    b = b.add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_pub or issuer_key.public_key()),
                        critical=False)
    if ca:
        b = b.add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        b = b.add_extension(x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True)
    else:
        b = b.add_extension(x509.KeyUsage(True, False, False, False, False, False, False, False, False), critical=True)
    for ext, critical in (extra or []):
        b = b.add_extension(ext, critical=critical)
    if rsa_padding is not None:
        return b.sign(issuer_key, hash_alg, rsa_padding=rsa_padding)
    if isinstance(hash_alg, hashes.SHA1):
        return resign_sha1(b.sign(issuer_key, hashes.SHA256()), issuer_key)
    return b.sign(issuer_key, hash_alg)


def resign_sha1(c, key):
    """`cryptography` refuses SHA-1 certificate signatures; ICAO chains still have them. Re-sign the TBS."""
    sha256_rsa = bytes.fromhex("06092A864886F70D01010B")
    sha1_rsa = bytes.fromhex("06092A864886F70D010105")
    tbs = c.tbs_certificate_bytes
    assert tbs.count(sha256_rsa) == 1
    tbs = tbs.replace(sha256_rsa, sha1_rsa)
    sig = key.sign(tbs, padding.PKCS1v15(), hashes.SHA1())
    return x509.load_der_x509_certificate(seq(tbs, seq(sha1_rsa, NULL), tlv(0x03, b"\x00" + sig)))


def der(c):
    return c.public_bytes(serialization.Encoding.DER)


def write(name_, data):
    with open(os.path.join(OUT, name_), "wb") as f:
        f.write(data)


# ---------------------------------------------------------------- CMS
def signer_sign(key, data, scheme, hash_name):
    h = SHA[hash_name][1]
    if scheme == "pkcs1":
        return key.sign(data, padding.PKCS1v15(), h)
    if scheme == "pss_mgf1_sha1":
        return key.sign(data, padding.PSS(mgf=padding.MGF1(hashes.SHA1()), salt_length=32), h)
    if scheme == "ecdsa":
        return key.sign(data, ec.ECDSA(h))
    raise ValueError(scheme)


def sig_alg(scheme, hash_name):
    if scheme == "pkcs1":
        return alg("1.2.840.113549.1.1.11" if hash_name == "sha256" else "1.2.840.113549.1.1.5", NULL)
    if scheme == "pss_mgf1_sha1":
        params = seq(
            tlv(0xA0, alg(SHA[hash_name][0], NULL)),
            tlv(0xA1, alg("1.2.840.113549.1.1.8", alg("1.3.14.3.2.26", NULL))),
            tlv(0xA2, integer(32)),
        )
        return alg("1.2.840.113549.1.1.10", params)
    if scheme == "ecdsa":
        return alg("1.2.840.10045.4.3.2" if hash_name == "sha256" else "1.2.840.10045.4.1")
    raise ValueError(scheme)


def signed_data(econtent_type, econtent, signer_cert, signer_key, scheme, hash_name="sha256", use_ski=False,
                signing_time=None, include_cert=True, extra_certs=()):
    digest_alg = alg(SHA[hash_name][0], NULL)
    digest = hashlib.new(hash_name, econtent).digest()
    attrs = [
        seq(oid("1.2.840.113549.1.9.3"), set_of(oid(econtent_type))),
        seq(oid("1.2.840.113549.1.9.4"), set_of(octets(digest))),
    ]
    if signing_time is not None:
        attrs.append(seq(oid("1.2.840.113549.1.9.5"), set_of(utc_time(signing_time))))
    signed_attrs = set_of(*attrs)
    signature = signer_sign(signer_key, signed_attrs, scheme, hash_name)
    if use_ski:
        ski = signer_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest
        sid = tlv(0x80, ski)
        version = 3
    else:
        issuer = signer_cert.issuer.public_bytes()
        sid = seq(issuer, integer(signer_cert.serial_number))
        version = 1
    signer_info = seq(integer(version), sid, digest_alg, b"\xA0" + signed_attrs[1:], sig_alg(scheme, hash_name),
                      octets(signature))
    certs = b""
    if include_cert:
        certs = tlv(0xA0, der(signer_cert) + b"".join(der(c) for c in extra_certs))
    sd = seq(integer(3), set_of(digest_alg), seq(oid(econtent_type), tlv(0xA0, octets(econtent))), certs,
             set_of(signer_info))
    return seq(oid("1.2.840.113549.1.7.2"), tlv(0xA0, sd))


def lds_security_object(groups, hash_name="sha256"):
    hashes_ = [seq(integer(n), octets(hashlib.new(hash_name, data).digest())) for n, data in sorted(groups.items())]
    return seq(integer(0), alg(SHA[hash_name][0], NULL), seq(*hashes_))


def sod(groups, ds_cert, ds_key, scheme, hash_name="sha256", **kw):
    content = lds_security_object(groups, hash_name)
    return tlv(0x77, signed_data("2.23.136.1.1.1", content, ds_cert, ds_key, scheme, hash_name, **kw))


# ---------------------------------------------------------------- data groups
def dg1_td3():
    mrz = ("P<UTOERIKSSON<<ANNA<MARIA<<<<<<<<<<<<<<<<<<<"
           "L898902C36UTO7408122F1204159ZE184226B<<<<<10")
    return tlv(0x61, b"\x5F\x1F" + length(len(mrz)) + mrz.encode())


def main():
    t0, t_end = d(2020, 1, 1), d(2045, 1, 1)
    ds0, ds_end = d(2024, 1, 1), d(2036, 1, 1)

    csca_rsa_key = rsa_key()
    csca_rsa = cert(name("CSCA RSA"), name("CSCA RSA"), csca_rsa_key.public_key(), csca_rsa_key, t0, t_end, True)
    csca_ec_key = ec_key(ec.BrainpoolP256R1())
    csca_ec = cert(name("CSCA EC"), name("CSCA EC"), csca_ec_key.public_key(), csca_ec_key, t0, t_end, True)
    csca_new_key = rsa_key()
    csca_rsa_new = cert(name("CSCA RSA"), name("CSCA RSA"), csca_new_key.public_key(), csca_new_key, d(2025, 1, 1),
                        t_end, True)
    link = cert(name("CSCA RSA"), name("CSCA RSA"), csca_new_key.public_key(), csca_rsa_key, d(2025, 1, 1), t_end,
                True)
    rogue_key = rsa_key()
    csca_rogue = cert(name("CSCA RSA"), name("CSCA RSA"), rogue_key.public_key(), rogue_key, t0, t_end, True)
    sha1_key = rsa_key()
    csca_sha1 = cert(name("CSCA SHA1"), name("CSCA SHA1"), sha1_key.public_key(), sha1_key, t0, t_end, True,
                     hash_alg=hashes.SHA1())

    ds_rsa_key = rsa_key()
    ds_rsa = cert(name("DS RSA"), name("CSCA RSA"), ds_rsa_key.public_key(), csca_rsa_key, ds0, ds_end, False)
    ds_ec_key = ec_key(ec.SECP256R1())
    ds_ec = cert(name("DS EC"), name("CSCA EC"), ds_ec_key.public_key(), csca_ec_key, ds0, ds_end, False)
    ds_exp_key = rsa_key()
    ds_expired = cert(name("DS EXPIRED"), name("CSCA RSA"), ds_exp_key.public_key(), csca_rsa_key, d(2020, 1, 1),
                      d(2021, 1, 1), False)
    ds_rev_key = rsa_key()
    ds_revoked = cert(name("DS REVOKED"), name("CSCA RSA"), ds_rev_key.public_key(), csca_rsa_key, ds0, ds_end,
                      False)
    ds_new_key = rsa_key()
    ds_new = cert(name("DS NEW"), name("CSCA RSA"), ds_new_key.public_key(), csca_new_key, d(2025, 1, 1), ds_end,
                  False)
    ds_rogue_key = rsa_key()
    ds_rogue = cert(name("DS RSA"), name("CSCA RSA"), ds_rogue_key.public_key(), rogue_key, ds0, ds_end, False)
    ds_sha1_key = rsa_key()
    ds_sha1 = cert(name("DS SHA1"), name("CSCA SHA1"), ds_sha1_key.public_key(), sha1_key, ds0, ds_end, False,
                   hash_alg=hashes.SHA1())
    ds_crit_key = rsa_key()
    ds_critical = cert(name("DS CRITICAL"), name("CSCA RSA"), ds_crit_key.public_key(), csca_rsa_key, ds0, ds_end,
                       False, extra=[(x509.UnrecognizedExtension(x509.ObjectIdentifier("1.2.3.4.5"), b"\x05\x00"),
                                      True)])
    ds_pss_cert_key = rsa_key()
    ds_pss_cert = cert(name("DS PSS CERT"), name("CSCA RSA"), ds_pss_cert_key.public_key(), csca_rsa_key, ds0,
                       ds_end, False,
                       rsa_padding=padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=32))
    ml_key = ec_key(ec.SECP256R1())
    ml_signer = cert(name("ML SIGNER"), name("CSCA EC"), ml_key.public_key(), csca_ec_key, ds0, ds_end, False,
                     extra=[(x509.ExtendedKeyUsage([x509.ObjectIdentifier("2.23.136.1.1.9")]), False)])

    crl = (x509.CertificateRevocationListBuilder().issuer_name(csca_rsa.subject)
           .last_update(d(2026, 1, 1)).next_update(d(2027, 1, 1))
           .add_revoked_certificate(x509.RevokedCertificateBuilder().serial_number(ds_revoked.serial_number)
                                    .revocation_date(d(2025, 6, 1)).build())
           .sign(csca_rsa_key, hashes.SHA256()))
    rogue_crl = (x509.CertificateRevocationListBuilder().issuer_name(csca_rsa.subject)
                 .last_update(d(2026, 1, 1)).next_update(d(2027, 1, 1))
                 .add_revoked_certificate(x509.RevokedCertificateBuilder().serial_number(ds_rsa.serial_number)
                                          .revocation_date(d(2025, 6, 1)).build())
                 .sign(rogue_key, hashes.SHA256()))

    for n, c in [("csca_rsa", csca_rsa), ("csca_ec", csca_ec), ("csca_rsa_new", csca_rsa_new),
                 ("link_rsa_new_by_old", link), ("csca_rogue", csca_rogue), ("csca_sha1", csca_sha1),
                 ("ds_rsa", ds_rsa), ("ds_ec", ds_ec), ("ds_expired", ds_expired), ("ds_revoked", ds_revoked),
                 ("ds_new", ds_new), ("ds_rogue", ds_rogue), ("ds_sha1", ds_sha1), ("ds_critical", ds_critical),
                 ("ds_pss_cert", ds_pss_cert), ("ml_signer", ml_signer)]:
        write(n + ".der", der(c))
    write("csca_bundle.pem", csca_rsa.public_bytes(serialization.Encoding.PEM) +
          csca_ec.public_bytes(serialization.Encoding.PEM))
    write("crl_rsa.der", crl.public_bytes(serialization.Encoding.DER))
    write("crl_rsa.pem", crl.public_bytes(serialization.Encoding.PEM))
    write("crl_rogue.der", rogue_crl.public_bytes(serialization.Encoding.DER))

    dg1 = dg1_td3()
    dg2 = tlv(0x75, b"\x7F\x61" + length(3) + b"\x02\x01\x00")  # an empty biometric group (hash only)
    groups = {1: dg1, 2: dg2}
    write("dg1.bin", dg1)
    write("dg2.bin", dg2)

    write("sod_rsa_pss.bin", sod(groups, ds_rsa, ds_rsa_key, "pss_mgf1_sha1"))
    write("sod_pkcs1.bin", sod(groups, ds_rsa, ds_rsa_key, "pkcs1"))
    write("sod_pkcs1_no_cert.bin", sod(groups, ds_rsa, ds_rsa_key, "pkcs1", include_cert=False))
    write("sod_ec.bin", sod(groups, ds_ec, ds_ec_key, "ecdsa", use_ski=True, signing_time=d(2025, 1, 1)))
    write("sod_expired.bin", sod(groups, ds_expired, ds_exp_key, "pkcs1"))
    write("sod_expired_signed_in_time.bin",
          sod(groups, ds_expired, ds_exp_key, "pkcs1", signing_time=d(2020, 6, 1)))
    write("sod_revoked.bin", sod(groups, ds_revoked, ds_rev_key, "pkcs1"))
    write("sod_new.bin", sod(groups, ds_new, ds_new_key, "pkcs1"))
    write("sod_rogue.bin", sod(groups, ds_rogue, ds_rogue_key, "pkcs1"))
    write("sod_sha1.bin", sod(groups, ds_sha1, ds_sha1_key, "pkcs1", hash_name="sha1"))
    write("sod_critical.bin", sod(groups, ds_critical, ds_crit_key, "pkcs1"))
    write("sod_pss_cert.bin", sod(groups, ds_pss_cert, ds_pss_cert_key, "pkcs1"))

    # CSCA master list: CscaMasterList ::= SEQUENCE { version INTEGER (0), certList SET OF Certificate }.
    ml_content = seq(integer(0), set_of(der(csca_rsa), der(csca_ec), der(link)))
    ml = signed_data("2.23.136.1.1.2", ml_content, ml_signer, ml_key, "ecdsa")
    write("ml.bin", ml)
    bad_content = seq(integer(0), set_of(der(csca_rsa), der(csca_ec), der(link), der(csca_rogue)))
    ml_forged = bytearray(ml)
    # Same signature and signed attributes, different content: the message digest no longer matches.
    forged = signed_data("2.23.136.1.1.2", bad_content, ml_signer, ml_key, "ecdsa")
    write("ml_forged.bin", splice_signer(forged, ml))


def splice_signer(target, source):
    """Returns `target` with the SignerInfo set of `source` (both from signed_data() with the same signer)."""
    def last_set(b):
        # The SignerInfo SET is the last element of SignedData, which ends the whole structure.
        i = b.rfind(b"\x31\x81")
        j = b.rfind(b"\x31\x82")
        return max(i, j)
    ts, ss = last_set(target), last_set(source)
    new_sd_tail = source[ss:]
    body = target[:ts] + new_sd_tail
    # Re-encode the outer lengths: rebuild from the parsed prefix.
    return rebuild(body)


def rebuild(b):
    """Re-computes the outer lengths of ContentInfo { OID, [0] { SignedData } } after a splice."""
    def read(b, p):
        tag = b[p]
        l = b[p + 1]
        if l < 0x80:
            return tag, p + 2, l
        n = l & 0x7F
        return tag, p + 2 + n, int.from_bytes(b[p + 2:p + 2 + n], "big")
    _, p, _ = read(b, 0)          # ContentInfo
    _, q, ol = read(b, p)         # OID
    oid_tlv = b[p:q + ol]
    _, r, _ = read(b, q + ol)     # [0]
    _, s, _ = read(b, r)          # SignedData
    sd_body = b[s:]
    return seq(oid_tlv, tlv(0xA0, seq(sd_body)))


if __name__ == "__main__":
    main()
