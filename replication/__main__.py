"""`python -m replication P30 --profile paper --data-dir D`, mainly so that
`accelerate launch -m replication ...` can spread a paper-profile run over several GPUs
(the `slr replicate` command is the everyday entry point). Prints one JSON record a line
from the main process."""
from __future__ import annotations

import argparse
import os
import sys


def main(argv=None) -> int:
    import replication

    parser = argparse.ArgumentParser(prog="python -m replication")
    parser.add_argument("study")
    parser.add_argument("--profile", default="smoke", choices=replication.PROFILES)
    parser.add_argument("--method", action="append", dest="methods")
    parser.add_argument("--experiment", action="append", dest="experiments")
    parser.add_argument("--data-dir")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--seeds", type=lambda v: [int(x) for x in v.split(",")])
    parser.add_argument("--allow-code-execution", action="store_true")
    parser.add_argument("--device", default="auto", choices=("auto", "cpu", "cuda"))
    parser.add_argument("--max-steps", type=int)
    parser.add_argument("--no-lr-sweep", action="store_true")
    args = parser.parse_args(argv)
    main_process = os.environ.get("RANK", "0") == "0"
    try:
        for record in replication.run(args.study, args.profile, methods=args.methods, data_dir=args.data_dir,
                                      seed=args.seed, allow_code_execution=args.allow_code_execution,
                                      progress=main_process, experiments=args.experiments, seeds=args.seeds,
                                      device=args.device, max_steps=args.max_steps,
                                      lr_sweep=not args.no_lr_sweep):
            if main_process:
                print(record.model_dump_json(), flush=True)
    except replication.ReplicationError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
