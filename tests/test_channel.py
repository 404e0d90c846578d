"""The judge's channel (autograder/channel.py), end to end over a socket pair, the agent in a thread.

The agent's end plays the student's kernel: its namespace holds the "student's" functions, some of
them hostile. Everything the judge's tests need must work through the proxies, and nothing the
student's end sends may get more than data and proxies out of the judge's end.
"""

import json
import math
import socket
import struct
import threading

import pytest
import torch
from torch import nn

from autograder.channel import Peer, ProtocolError, Remote, RemoteError


class Vocab:
    def __init__(self, itos):
        self.itos = itos
        self.stoi = {t: i for i, t in enumerate(itos)}

    def __len__(self):
        return len(self.itos)

    def encode(self, tokens):
        return [self.stoi[t] for t in tokens]


class Linear2(nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = nn.Linear(3, 2)

    def forward(self, x):
        return self.lin(x)


class AlwaysEqual:
    def __eq__(self, other):
        return True


def echo(value):
    return value


def draw(generator):
    return torch.randn(4, generator=generator)


def softmax(x, dim=-1):
    return (x - x.amax(dim, keepdim=True)).exp() / (x - x.amax(dim, keepdim=True)).exp().sum(dim, keepdim=True)


def attention(q, K):
    return softmax(K @ q / math.sqrt(q.shape[-1]))


def add_one_in_place(x):
    x.add_(1)


def picky(x):
    if x < 0:
        raise ValueError("x must be at least 0")

    class Custom(Exception):
        pass

    raise Custom("something else")


def probe(layer):
    """Calls the judge's layer with gradients, as `leaks_future` does."""
    x = torch.randn(1, 4, 3, requires_grad=True)
    y = layer(x)
    (grad,) = torch.autograd.grad(y[0, 0].sum(), x, retain_graph=True)
    return grad


def load(module, theirs):
    with torch.no_grad():
        module.lin.weight.copy_(theirs.weight)


def tamper(obj):
    """Whatever the student's code may try on an object of the judge's; what happened to each attempt."""
    attempts = {"setattr": lambda: setattr(obj, "forward", None), "private": lambda: obj._parameters,
                "hook": lambda: obj.register_forward_hook(print), "globals": lambda: obj.forward.__globals__}
    outcome = {}
    for name, attempt in attempts.items():
        try:
            attempt()
            outcome[name] = "done"
        except (PermissionError, AttributeError):
            outcome[name] = "refused"
    return outcome


def ask_the_judge(op, **fields):
    """The student's end asking the judge's end for what only the judge may ask."""
    try:
        STUDENT[0].request(op, **fields)
    except PermissionError:
        return "refused"
    return "done"


STUDENT = []


@pytest.fixture()
def judge():
    ours, theirs = socket.socketpair()
    namespace = {name: value for name, value in globals().items() if not name.startswith("_")}
    student = Peer(theirs, judge=False, namespace=namespace)
    STUDENT[:] = [student]
    thread = threading.Thread(target=student.serve_forever, daemon=True)
    thread.start()
    peer = Peer(ours, judge=True)
    yield peer, peer.request("resolve", names=list(namespace))
    ours.close()
    thread.join(timeout=5)


def test_data_crosses_as_data(judge):
    _, names = judge
    values = [None, True, 3, 2.5, float("inf"), 1 + 2j, "zoë", b"\x00\xff", [1, (2, 3)], {1: "a", (2, 3): None},
              {4, 5}, frozenset({6}), slice(1, None, 2), Ellipsis, range(0, 10, 3), torch.float64,
              torch.device("cpu"), torch.Size([2, 3])]
    back = names["echo"](values)
    assert back == values and [type(v) for v in back] == [type(v) for v in values]
    tensors = [torch.randn(2, 3, dtype=torch.float64), torch.tensor([True, False]), torch.zeros(0, 4),
               torch.tensor(7), torch.arange(6).view(2, 3).t()]
    for sent, got in zip(tensors, names["echo"](tensors)):
        assert torch.equal(sent, got) and sent.dtype == got.dtype
    meta = names["echo"](torch.empty(5, 2, device="meta"))
    assert meta.device.type == "meta" and meta.shape == (5, 2)
    generator = torch.Generator().manual_seed(3)
    drawn = names["draw"](generator)
    assert torch.equal(drawn, torch.randn(4, generator=torch.Generator().manual_seed(3)))
    assert torch.equal(torch.randn(4, generator=generator), torch.randn(8, generator=torch.Generator().manual_seed(3))[4:]), \
        "the generator's state comes back"


def test_objects_stay_in_the_kernel_and_are_used_through_proxies(judge):
    _, names = judge
    vocab = names["Vocab"](["a", "b", "c"])
    assert isinstance(vocab, Remote) and isinstance(vocab, names["Vocab"]) and not isinstance(vocab, nn.Module)
    assert len(vocab) == 3 and vocab.encode(["c", "a"]) == [2, 0] and list(vocab.itos) == ["a", "b", "c"]
    model = names["Linear2"]()
    assert isinstance(model, nn.Module) and not isinstance(model, nn.Linear)
    assert model.eval() is model and not model.training and model.train().training
    assert model.lin.weight is model.lin.weight, "a parameter is one object here, as it is there"
    assert [p.shape for p in model.parameters()] == [(2, 3), (2,)]
    assert names["AlwaysEqual"]() != 5, "comparisons of the student's objects never run the student's code"


def test_in_place_changes_come_back(judge):
    _, names = judge
    x = torch.zeros(3)
    names["add_one_in_place"](x)
    assert torch.equal(x, torch.ones(3))


def test_gradients_flow_through_a_call_and_reach_the_students_parameters(judge):
    _, names = judge
    x = torch.randn(5, dtype=torch.float64, requires_grad=True)
    K = torch.randn(4, 5, dtype=torch.float64, requires_grad=True)
    (names["attention"](x, K) * torch.arange(4.0)).sum().backward()
    x2, K2 = x.detach().clone().requires_grad_(), K.detach().clone().requires_grad_()
    (torch.softmax(K2 @ x2 / math.sqrt(5), -1) * torch.arange(4.0)).sum().backward()
    assert torch.allclose(x.grad, x2.grad) and torch.allclose(K.grad, K2.grad)
    model = names["Linear2"]()
    inputs = torch.randn(2, 3)
    model(inputs).sum().backward()
    assert torch.allclose(model.lin.weight.grad, inputs.sum(0).expand(2, 3))


def test_the_students_code_calls_the_judges_objects_back(judge):
    _, names = judge
    layer = nn.Linear(3, 3)
    assert names["probe"](layer).shape == (1, 4, 3)
    assert layer.weight.grad is not None, "the backward ran through the judge's layer"
    namespace = names["attention"].__globals__
    original = namespace["softmax"]
    namespace["softmax"] = lambda x, dim=-1: torch.full_like(x, 0.25)  # grade one exercise on its own
    try:
        assert torch.equal(names["attention"](torch.randn(2), torch.randn(4, 2)), torch.full((4,), 0.25))
    finally:
        namespace["softmax"] = original


def test_the_tests_writes_to_a_parameter_reach_the_student(judge):
    _, names = judge
    model, theirs = names["Linear2"](), nn.Linear(3, 2)
    names["load"](model, theirs)
    assert torch.equal(model.lin.weight, theirs.weight)
    with torch.no_grad():
        model.lin.weight.copy_(torch.ones(2, 3))
    assert torch.equal(model(torch.ones(1, 3)) - model.lin.bias, torch.full((1, 2), 3.0))


def test_random_state_is_shared(judge):
    _, names = judge
    torch.manual_seed(5)
    first = names["Linear2"]().lin.weight.detach().clone()
    torch.manual_seed(5)
    assert torch.equal(first, names["Linear2"]().lin.weight)


def test_errors_keep_their_type_when_it_is_pythons(judge):
    _, names = judge
    with pytest.raises(ValueError, match="at least 0"):
        names["picky"](-1)
    with pytest.raises(RemoteError, match="Custom: something else"):
        names["picky"](1)


def test_the_students_code_cannot_change_or_look_inside_the_judges_objects(judge):
    _, names = judge
    assert names["tamper"](nn.Linear(2, 2)) == {"setattr": "refused", "private": "refused", "hook": "refused",
                                               "globals": "refused"}
    assert names["ask_the_judge"]("copy", data=b"cos\nsystem\n(S'true'\ntR.") == "refused", "the judge loads no pickle"
    assert names["ask_the_judge"]("resolve", names=["__builtins__"]) == "refused"


def test_objects_the_tests_hand_over_are_copied_into_the_kernel(judge):
    peer, names = judge
    model = nn.Linear(3, 2)
    copy = peer.copy_to_student(model)
    assert isinstance(copy, Remote) and isinstance(copy, nn.Linear)
    with torch.no_grad():
        copy.weight.zero_()
    assert not torch.equal(model.weight, torch.zeros(2, 3)), "the copy is the kernel's, the original stays"


@pytest.mark.parametrize("frame", [
    b"garbage that is no frame at all",
    struct.pack(">II", 2**30, 2**30),
    struct.pack(">II", 9, 0) + b"[1, 2, 3]",
    struct.pack(">II", 2000, 0) + ("[" * 1000 + "]" * 1000).encode(),
])
def test_garbage_from_the_kernel_is_a_protocol_error(frame):
    ours, theirs = socket.socketpair()
    peer = Peer(ours, judge=True)
    theirs.sendall(frame)
    theirs.shutdown(socket.SHUT_WR)
    with pytest.raises(ProtocolError):
        peer.request("resolve", names=["x"])


@pytest.mark.parametrize("value", [{"tensor": 0}, {"yours": 12345}, {"what": 1}, {"dtype": "os.system"},
                                   {"list": [{"mine": "x"}]}])
def test_a_malformed_answer_is_a_protocol_error(value):
    ours, theirs = socket.socketpair()
    peer = Peer(ours, judge=True)
    answer = json.dumps({"re": 1, "value": value}).encode()
    theirs.sendall(struct.pack(">II", len(answer), 0) + answer)
    with pytest.raises(ProtocolError):
        peer.request("resolve", names=["x"])
