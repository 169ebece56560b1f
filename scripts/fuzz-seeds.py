#!/usr/bin/python3
"""Write fuzz seeds: frames of classic pcap captures, each prefixed with the
link-type selector byte tests/fuzz/fuzz_decode.c expects, plus the hex
fixtures of the decoder unit tests (tests/test_*.c), so protocols without a
sample capture (L2TP, Geneve, ERSPAN, C-HDLC, ...) are seeded too.

usage: fuzz-seeds.py OUT_DIR CAPTURE_DIR...
"""
import glob
import os
import re
import struct
import sys

# LINKTYPE -> selector byte of fuzz_decode.c (EN10MB, NULL, RAW, LOOP,
# LINUX_SLL, IPV4, IPV6, LINUX_SLL2, PPP, PPP_HDLC, C_HDLC).
SELECTOR = {1: 0, 0: 1, 101: 2, 108: 3, 113: 4, 228: 5, 229: 6, 276: 7, 9: 8, 50: 9, 104: 10}
ORDER = {b'\xd4\xc3\xb2\xa1': '<', b'\x4d\x3c\xb2\xa1': '<', b'\xa1\xb2\xc3\xd4': '>', b'\xa1\xb2\x3c\x4d': '>'}
FRAMES_PER_FILE = 64
LINKTYPE_NUM = {'NULL': 0, 'ETHERNET': 1, 'PPP': 9, 'PPP_HDLC': 50, 'RAW': 101, 'C_HDLC': 104,
                'LOOP': 108, 'LINUX_SLL': 113, 'IPV4': 228, 'IPV6': 229, 'LINUX_SLL2': 276}
TESTS = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'tests')


def test_fixtures(out):
    """Each `static const uint8_t NAME[] = {...}` of tests/test_*.c that a test
    decodes as fx_decode(..., LINKTYPE_X, FX_FRAME(NAME)): one seed."""
    written = 0
    for path in sorted(glob.glob(os.path.join(TESTS, 'test_*.c'))):
        text = open(path, encoding='utf-8').read()
        arrays = dict(re.findall(r'static const uint8_t (\w+)\[\] = \{([^}]*)\}', text))
        uses = set(re.findall(r'LINKTYPE_(\w+), FX_FRAME\((\w+)\)', text))
        for lt, name in sorted(uses):
            if name not in arrays or LINKTYPE_NUM.get(lt) not in SELECTOR:
                continue
            frame = bytes(int(h, 16) for h in re.findall(r'0x([0-9a-fA-F]{2})', arrays[name]))
            seed = '%s-%s-%s' % (os.path.basename(path)[:-2], name, lt.lower())
            with open(os.path.join(out, seed), 'wb') as f:
                f.write(bytes([SELECTOR[LINKTYPE_NUM[lt]]]) + frame)
            written += 1
    return written


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    written = 0
    for folder in sys.argv[2:]:
        for path in sorted(glob.glob(os.path.join(folder, '*.pcap'))):
            data = open(path, 'rb').read()
            endian = ORDER.get(data[:4])
            if endian is None or len(data) < 24:
                continue
            linktype = struct.unpack(endian + 'I', data[20:24])[0] & 0x0fffffff
            if linktype not in SELECTOR:
                continue
            off = 24
            for i in range(FRAMES_PER_FILE):
                if off + 16 > len(data):
                    break
                caplen = struct.unpack(endian + 'I', data[off + 8:off + 12])[0]
                frame = data[off + 16:off + 16 + caplen]
                name = '%s-%03d' % (os.path.basename(path), i)
                with open(os.path.join(out, name), 'wb') as f:
                    f.write(bytes([SELECTOR[linktype]]) + frame)
                written += 1
                off += 16 + caplen
    fixtures = test_fixtures(out)
    print('fuzz-seeds: %d frames and %d test fixtures in %s' % (written, fixtures, out))


if __name__ == '__main__':
    main()
