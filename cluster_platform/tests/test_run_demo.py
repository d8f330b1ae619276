"""run_demo's refusals, which come before it touches the database or starts anything.

The demo itself (children, Ctrl-C, the embedded servers) is exercised by running
`make demo`; see the README.
"""

import socket
from io import StringIO

import pytest
from django.core.management import CommandError, call_command


def test_run_demo_refuses_outside_demo_mode(settings):
    settings.DEMO_MODE = False
    with pytest.raises(CommandError, match="DEMO_MODE=1"):
        call_command("run_demo", stdout=StringIO())


def test_run_demo_refuses_a_port_in_use(settings):
    settings.DEMO_MODE = True
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(CommandError, match=f"127.0.0.1:{port} is already in use"):
            call_command("run_demo", "--port", str(port), stdout=StringIO())
