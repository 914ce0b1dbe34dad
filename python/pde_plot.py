#!/usr/bin/python3
"""Plot the f_n(x, t) snapshots of `smolkin pde ... --out DIR` (DIR/pde.h5).

    /usr/bin/python3 python/pde_plot.py DIR/pde.h5 [out.png]

Radial runs: f_n(r) for each snapshot mass and time. Box runs (d = 1, 2, 3):
d = 1 profiles; d = 2, 3 the central slice of the first snapshot mass at each
time. Needs Debian's python3-h5py, python3-numpy, python3-matplotlib.
"""
import sys

import h5py
import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def main():
    if len(sys.argv) < 2:
        sys.exit(__doc__)
    path = sys.argv[1]
    out = sys.argv[2] if len(sys.argv) > 2 else path.rsplit(".", 1)[0] + ".png"
    with h5py.File(path, "r") as h:
        g = h["grid"].attrs
        geo = g["geometry"]
        geo = geo.decode() if isinstance(geo, bytes) else str(geo)
        dim = int(g["dim"])
        masses = list(h["snapshot_masses"][:])
        snaps = sorted(h["snapshots"].keys(), key=int)
        times = [float(h["snapshots"][k].attrs["time"]) for k in snaps]
        if geo == "radial" or dim == 1:
            x = h["grid/r"][:] if geo == "radial" else h["grid/x"][:]
            fig, axes = plt.subplots(1, len(masses), figsize=(4 * len(masses), 3.2), squeeze=False)
            for q, n in enumerate(masses):
                ax = axes[0][q]
                for k, t in zip(snaps, times):
                    ax.plot(x, h["snapshots"][k]["f"][q], label=f"t = {t:g}")
                ax.set_xlabel("r" if geo == "radial" else "x")
                ax.set_title(f"f_{n}")
                ax.legend(fontsize=7)
        else:
            fig, axes = plt.subplots(1, len(snaps), figsize=(3.6 * len(snaps), 3.2), squeeze=False)
            for j, (k, t) in enumerate(zip(snaps, times)):
                f = np.asarray(h["snapshots"][k]["f"][0])
                if dim == 3:
                    f = f[f.shape[0] // 2]
                im = axes[0][j].imshow(f, origin="lower")
                axes[0][j].set_title(f"f_{masses[0]}, t = {t:g}")
                fig.colorbar(im, ax=axes[0][j], shrink=0.8)
        fig.tight_layout()
        fig.savefig(out, dpi=110)
    print(out)


if __name__ == "__main__":
    main()
