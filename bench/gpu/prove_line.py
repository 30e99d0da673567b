"""One line of the GPU proof for a finished job (prove.sh): a run's verdict, time and rates, or a sanitizer's summary."""
import json, os, sys

tag, name, kind, dims = sys.argv[1:5]
rc = open(tag + ".rc").read().strip() if os.path.exists(tag + ".rc") else "?"
if kind in ("small", "bench"):
    try:
        r = json.load(open(tag + ".json"))
        verdict = "verified" if r.get("verified") is True else "NOT-VERIFIED"
        line = (f"{name:38s} {kind:6s} {verdict:12s} {r.get('median_ms', 0):10.4f} ms {r.get('gbps', 0):7.0f} GB/s "
                f"{r.get('gflops', 0) / 1000:7.2f} TFLOP/s  {dims}  [{r.get('device')}; {r.get('reference')}]")
    except Exception:
        err = open(tag + ".err").read().strip().splitlines() if os.path.exists(tag + ".err") else []
        line = f"{name:38s} {kind:6s} FAILED rc={rc}: {' | '.join(err[-3:])}"
else:
    log = open(tag + ".log").read() if os.path.exists(tag + ".log") else ""
    summary = [l.strip() for l in log.splitlines() if "SUMMARY" in l]
    good = rc == "0" and summary and all(": 0 " in s for s in summary)
    line = f"{name:38s} {kind:9s} {'clean' if good else 'PROBLEM rc=' + rc}: {' / '.join(summary)}"
print(line, flush=True)
open(tag + ".line", "w").write(line + "\n")
