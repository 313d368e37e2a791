"""The local AWS double: moto's server, with the one place where moto
differs from AWS in a way stackc's tests meet put right.

A self-managed StackSet's stack instance is a stack named
`StackSet-<stack set>-<id>` in AWS; moto names it `StackSet:<stack set>`,
and the names CloudFormation derives from a stack's name (an SNS topic's,
say) are then invalid in moto alone.

Run as moto_server is: python3 tests/moto_server.py -H 127.0.0.1 -p PORT
"""

import sys
import uuid

from moto.cloudformation import models
from moto.server import main

_create_stack = models.CloudFormationBackend.create_stack


def create_stack(self, name, *args, **kwargs):
    if name.startswith("StackSet:"):
        name = f"StackSet-{name[len('StackSet:'):]}-{uuid.uuid4()}"
    return _create_stack(self, name, *args, **kwargs)


models.CloudFormationBackend.create_stack = create_stack


if __name__ == "__main__":
    main(sys.argv[1:])
