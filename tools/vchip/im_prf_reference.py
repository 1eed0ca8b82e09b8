#!/usr/bin/env python3
# An independent R_p(s,t) of ICAO 9303-11 §4.4.3.3.2 (PACE Integrated Mapping) on Python's
# 'cryptography' package, written from the standard's text: the source of the 3DES / AES-192 / AES-256
# known answers in chip_params_test.cc (no public worked example covers them; App. H has AES-128 only,
# which this script checks first). Run: python3 tools/vchip/im_prf_reference.py
#
# 9303-11: s has l bits, the smallest multiple of the block size with l >= k; t has k bits (the key
# size; 3DES counts as k = 128); k_0 = E(t, s), then k_{i+1} = E(k_i, c0) and x_i = E(k_i, c1), every
# k_i truncated to k (only AES-192 truncates); c0, c1 of l bits; n the smallest with n*l >= log2 p + 64.
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
try:
    from cryptography.hazmat.decrepit.ciphers.algorithms import TripleDES
except ImportError:
    TripleDES = algorithms.TripleDES
C = {128: (bytes.fromhex('a668892a7c41e3ca739f40b057d85904'), bytes.fromhex('a4e136ac725f738b01c1f60217c188ad')),
     256: (bytes.fromhex('d463d65234124ef7897054986dca0a174e28df758cbaa03f240616414d5a1676'),
           bytes.fromhex('54bd7255f0aaf831bec3423fcf39d69b6cbf066677d0faae5aadd99df8e53517'))}
def E(name, key, data):
    if name == '3DES':
        alg = TripleDES(key + key[:8]); bs = 8
    else:
        alg = algorithms.AES(key); bs = 16
    e = Cipher(alg, modes.CBC(bytes(bs))).encryptor()
    return e.update(data) + e.finalize()
def R(name, s, t, p):
    k = {'3DES': 16, 'AES-128': 16, 'AES-192': 24, 'AES-256': 32}[name]
    l = len(s) * 8
    assert len(t) == k
    c0, c1 = C[l]
    key = E(name, t, s)
    x = b''
    n = 0
    while n * l < p.bit_length() + 64:
        ki = key[:k]
        key = E(name, ki, c0)
        x += E(name, ki, c1)
        n += 1
    return x, int.from_bytes(x, 'big') % p
# brainpoolP256r1 p and RFC 5114 1024/160 p
bp256 = int('A9FB57DBA1EEA9BC3E660A909D838D726E3BF623D52620282013481D1F6E5377', 16)
dh1024 = int('B10B8F96A080E01DDE92DE5EAE5D54EC52C99FBCFB06A3C69A6A9DCA52D23B616073E28675A23D189838EF1E2EE652C013ECB4AEA906112324975C3CD49B83BFACCBDD7D90C4BD7098488E9C219A73724EFFD6FAE5644738FAA31A4FF55BCCC0A151AF5F0DC8B4BD45BF37DF365C1A65E68CFDA76D4DA708DF1FB2BC2E4A4371', 16)
# App. H.1 check (AES-128)
x, rp = R('AES-128', bytes.fromhex('2923BE84E16CD6AE529049F1F1BBE9EB'), bytes.fromhex('5DD4CBFC96F5453B130D890A1CDBAE32'), bp256)
assert x.hex().upper() == 'E4447E2DFB3586BAC05DDB00156B57FBB2179A3949294C97254189800C517BAA8DA0FF397ED8C445D3E421E4FEB57322', x.hex()
assert '%064X' % rp == 'A2F8FF2DF50E52C6599F386ADCB595D229F6A167ADE2BE5F2C3296ADD5B7430E'
s16 = bytes.fromhex('2923BE84E16CD6AE529049F1F1BBE9EB')
s32 = s16 + bytes.fromhex('FA5B7E3E49753A0DB9178B7B9BD898C8')
t = bytes.fromhex('5DD4CBFC96F5453B130D890A1CDBAE32B3A6DB3C870C3E99245E0D1C06B747DE')
for name, s, k in [('3DES', s16, 16), ('AES-192', s32, 24), ('AES-256', s32, 32)]:
    for pname, p, plen in [('bp256', bp256, 32), ('dh1024', dh1024, 128)]:
        x, rp = R(name, s, t[:k], p)
        print(name, pname, 's', s.hex().upper(), 't', t[:k].hex().upper())
        print('  Rp', ('%0' + str(2*plen) + 'X') % rp)
