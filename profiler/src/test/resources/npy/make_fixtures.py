"""Writes the .npy fixtures of NpyTest with NumPy. Run once from this folder; the files are checked in.

The values are repeated as literals in NpyTest: change both together.
"""
import numpy as np

nan, inf = float("nan"), float("inf")


def save(name, array, **kw):
    with open(name, "wb") as f:
        np.lib.format.write_array(f, array, **kw)


def bf16_bits(values):
    """Raw bf16 bits (round to nearest even from f32): NumPy has no bf16 dtype."""
    b = np.array(values, dtype=np.float32).view(np.uint32).astype(np.uint64)
    b = (b + 0x7FFF + ((b >> 16) & 1)) >> 16
    return b.astype(np.uint16)


floats = [1.5, -2.25, 0.0, 0.1, inf, nan]
save("f8.npy", np.array(floats, dtype="<f8").reshape(2, 3))
save("f4.npy", np.array(floats, dtype="<f4").reshape(2, 3))
save("f2.npy", np.array(floats, dtype="<f2").reshape(2, 3))
save("bf16.npy", bf16_bits(floats).reshape(2, 3))
save("i1.npy", np.array([-128, 127, 0, -1, 5, 6], dtype="|i1").reshape(2, 3))
save("u1.npy", np.array([0, 255, 1, 2, 3, 128], dtype="|u1").reshape(2, 3))
save("i2.npy", np.array([-32768, 32767, 0, -1, 5, 6], dtype="<i2").reshape(2, 3))
save("i4.npy", np.array([-2**31, 2**31 - 1, 0, -1, 5, 6], dtype="<i4").reshape(2, 3))
save("i8.npy", np.array([-2**53, 2**53, 0, -1, 5, 6], dtype="<i8").reshape(2, 3))
save("b1.npy", np.array([True, False, True, True, False, False]).reshape(2, 3))

save("scalar.npy", np.array(2.5))
save("empty.npy", np.zeros((0, 3), dtype="<f4"))
# A header whose spare space for growing the first dim makes it cross a 64-byte boundary.
save("rank15.npy", np.zeros((0,) + (1,) * 14, dtype="<f4"))
save("rank3.npy", np.arange(24, dtype="<f8").reshape(2, 3, 4))
save("v2.npy", np.array([1.0, 2.0, 3.0], dtype="<f4"), version=(2, 0))
save("fortran.npy", np.asfortranarray(np.arange(6, dtype="<f8").reshape(2, 3)))
save("big_endian.npy", np.array([1.0, 2.0], dtype=">f4"))
save("complex.npy", np.array([1 + 2j], dtype="<c8"))
save("record.npy", np.zeros(2, dtype=[("a", "<f4"), ("b", "<i4")]))
np.savez("archive.npz", x=np.zeros(2))  # an .npz archive handed over as if it were an .npy file
