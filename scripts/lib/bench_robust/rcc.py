"""Reads Qt binary resource files (.rcc, as shipped by gcompris-qt-data) without Qt.

Format (qtbase src/corelib/io/qresource.cpp): "qres", version, tree offset, data offset, names offset [, flags].
Tree entries are 14 bytes (version 1) or 22 bytes (2 and 3, with a modification time). Data may be zlib
compressed (4-byte uncompressed length, then a zlib stream); zstd-compressed entries are skipped.
"""

import struct
import zlib

COMPRESSED, DIRECTORY, COMPRESSED_ZSTD = 1, 2, 4


def entries(blob):
    """Yields (path, bytes) for every file in an .rcc blob."""
    if blob[:4] != b"qres":
        raise ValueError("not a Qt resource file")
    version, tree, data, names = struct.unpack(">IIII", blob[4:20])
    size = 14 if version == 1 else 22

    def name(off):
        (n,) = struct.unpack(">H", blob[names + off:names + off + 2])
        return blob[names + off + 6:names + off + 6 + 2 * n].decode("utf-16-be")

    def walk(index, prefix):
        base = tree + index * size
        name_off, flags = struct.unpack(">IH", blob[base:base + 6])
        path = prefix + "/" + name(name_off) if index else ""
        if flags & DIRECTORY:
            count, first = struct.unpack(">II", blob[base + 6:base + 14])
            for i in range(count):
                yield from walk(first + i, path)
            return
        (off,) = struct.unpack(">I", blob[base + 10:base + 14])
        (n,) = struct.unpack(">I", blob[data + off:data + off + 4])
        payload = blob[data + off + 4:data + off + 4 + n]
        if flags & COMPRESSED_ZSTD:
            return
        if flags & COMPRESSED:
            payload = zlib.decompress(payload[4:])
        yield path, payload

    yield from walk(0, "")
