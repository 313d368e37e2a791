"""The local AWS double: moto's server, with the two places where moto
differs from AWS in a way stackc's tests meet put right.

A self-managed StackSet's stack instance is a stack named
`StackSet-<stack set>-<id>` in AWS; moto names it `StackSet:<stack set>`,
and the names CloudFormation derives from a stack's name (an SNS topic's,
say) are then invalid in moto alone.

ListStackInstances gives each instance's StackId, the id of its stack in
its account and region (`stackc run` and `logs` find the stack by it);
moto makes up a new id each time it is asked, which names no stack.

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

_instance_dict = models.StackInstance.to_dict


def instance_dict(self):
    d = _instance_dict(self)
    d["StackId"] = self.stack.stack_id
    return d


models.StackInstance.to_dict = instance_dict


if __name__ == "__main__":
    main(sys.argv[1:])
