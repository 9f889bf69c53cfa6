"""`python -m mock_hrms`: run a mock HRMS over a generated world with uvicorn.

    python -m mock_hrms --host 127.0.0.1 --port 8001 --seed 42 --employees 150 --token mock-hrms-token-12345
    python -m mock_hrms --vendor bamboohr --token KEY --company acme   # /api/gateway.php/acme/v1/...

`--vendor` picks which protocol the server speaks over the world; each vendor is one entry in VENDORS
(a function from the CLI options to an ASGI app; simulators come from mock_hrms.vendors.SIMULATORS), so a
vendor simulator is added with one line.
"""

from __future__ import annotations

import argparse
import gc
import logging
import time
from collections.abc import Callable, Sequence

from fastapi import FastAPI

from mock_hrms.api import DEFAULT_CONTROL_TOKEN, DEFAULT_TOKEN, MockSettings, create_app
from mock_hrms.vendors import SIMULATORS, SimulatorOptions

log = logging.getLogger("mock_hrms")


def _canonical(options: SimulatorOptions) -> FastAPI:
    return create_app(
        MockSettings(
            seed=options.seed,
            employees=options.employees,
            token=options.token or DEFAULT_TOKEN,
            control_token=options.control_token,
        )
    )


VENDORS: dict[str, Callable[[SimulatorOptions], FastAPI]] = {"canonical": _canonical, **SIMULATORS}


def parse_args(argv: Sequence[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="mock-hrms", description="Run a mock HRMS over a generated HR world.")
    parser.add_argument("--host", default="127.0.0.1", help="interface to bind (default: loopback only)")
    parser.add_argument("--port", type=int, default=8001)
    parser.add_argument("--seed", type=int, default=42, help="world seed: same seed, same world")
    parser.add_argument("--employees", type=int, default=150, help="number of employees to generate")
    parser.add_argument("--token", default=None, help="credential to accept (default: the vendor's default)")
    parser.add_argument("--control-token", default=DEFAULT_CONTROL_TOKEN, help="bearer token of /_control")
    parser.add_argument("--vendor", choices=sorted(VENDORS), default="canonical", help="protocol to speak")
    parser.add_argument("--company", default="acme", help="company domain of a vendor simulator (BambooHR)")
    parser.add_argument("--log-level", default="info", choices=["debug", "info", "warning", "error"])
    return parser.parse_args(argv)


def api_base(host: str, port: int, app: FastAPI) -> str:
    """The URL every API path is relative to, as a client would write it (each app declares its own base)."""
    netloc = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"  # an IPv6 literal is bracketed in a URL
    return f"http://{netloc}{app.state.api_base}"


def main(argv: Sequence[str] | None = None) -> None:
    import uvicorn

    args = parse_args(argv)
    logging.basicConfig(level=args.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s %(message)s")
    options = SimulatorOptions(
        seed=args.seed, employees=args.employees, token=args.token, control_token=args.control_token,
        company=args.company,
    )  # fmt: skip
    started = time.perf_counter()
    app = VENDORS[args.vendor](options)
    # The world lives until the process exits: move it out of the cyclic GC's generations so that full
    # collections, triggered by the garbage of serving requests, no longer walk a million records.
    gc.freeze()
    log.info(
        "mock_hrms.started vendor=%s api_base=%s employees=%d seed=%d built_in=%.1fs token_set=%s control_token_set=%s",
        args.vendor,
        api_base(args.host, args.port, app),
        args.employees,
        args.seed,
        time.perf_counter() - started,
        bool(args.token),
        bool(args.control_token),
    )
    uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level, access_log=False)


if __name__ == "__main__":
    main()
