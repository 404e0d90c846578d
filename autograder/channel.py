"""The judge's channel to the student's kernel: typed messages over a Unix socket, data only.

Both ends run this module. The judge imports it; the grader sends its source into the student's
kernel once the notebook has run, where `serve_student` answers the judge's requests. An end that
waits for a reply serves the other end's requests meanwhile, so a student's function can call an
object of the judge's (a scripted model, a layer to probe) and that object can call back.

A frame is two big-endian lengths, a JSON header and a safetensors blob holding the message's
tensors. A value on the wire is one of:
- data, copied: None, bools, numbers, strings, bytes, lists, tuples, dicts, sets, slices, Ellipsis,
  torch dtypes, devices and sizes, tensors (with `requires_grad`, `.grad`, Parameter or not) and
  random generators (their state);
- a handle: an object that stays where it lives (function, class, module, anything else), used from
  the other end through a `Remote` proxy: calls, attributes, items, `len`, iteration, `isinstance`.
Nothing on the wire can carry code, so the judge never unpickles, imports or runs what the kernel
sends. One request runs the other way only: `copy` hands the kernel a cloudpickle of judge objects
(`Peer.copy_to_student`), for tests whose objects must live beside the student's code.

Requests are {"id", "op", ...}; replies are {"re", "value" | "error"}. A call also carries the global
random state, the default dtype and the CPU autocast state, which both ends share, returns the new
values of tensor arguments the callee changed in place, and, when its outputs need gradients, a node:
the caller's outputs then come from one `torch.autograd.Function` whose backward asks the callee for
the inputs' gradients (and accumulates the callee's parameters' gradients there).
"""

import base64
import builtins
import itertools
import json
import numbers
import os
import pickle
import socket
import struct
import sys
import time

import torch
from safetensors.torch import load as load_tensors
from safetensors.torch import save as save_tensors

MAX_FRAME = 512 * 2**20
MAX_ITEMS = 100_000
MAX_DEPTH = 32
GRACE = 5.0  # seconds an interrupted call has to answer
# What the student's code may call on the judge's objects besides methods the tests define themselves:
# reading is free, and these change nothing the tests compare with (or are meant to: `step`, `train`).
SAFE_METHODS = frozenset({
    "forward", "train", "eval", "parameters", "named_parameters", "buffers", "named_buffers", "children",
    "named_children", "modules", "named_modules", "state_dict", "step", "zero_grad", "get_last_lr", "keys",
    "values", "items", "get", "size", "dim", "numel", "item", "tolist", "extra_repr"})
TESTS_MODULE = "__tests__"  # the judge's test cells run in a namespace of this name


class ProtocolError(Exception):
    """The other end sent something that is not a message of this channel, or stopped answering."""


class RemoteError(RuntimeError):
    """An exception raised on the other end whose type is not one of Python's own."""


class Remote:
    """An object that lives on the other end of the channel."""

    __slots__ = ("_peer", "_handle", "_mro", "__weakref__")

    def __init__(self, peer: "Peer", handle: int, mro: list[str]):
        object.__setattr__(self, "_peer", peer)
        object.__setattr__(self, "_handle", handle)
        object.__setattr__(self, "_mro", mro)

    @property
    def __class__(self):
        """The first class of the object's own that is a trusted class here (so `isinstance(m, nn.Module)` works)."""
        return trusted_class(self._mro, self._peer.classes)

    def __getattr__(self, name):
        return self._peer.request("getattr", target=self, name=name)

    def __setattr__(self, name, value):
        self._peer.request("setattr", target=self, name=name, value=value)

    def __delattr__(self, name):
        self._peer.request("delattr", target=self, name=name)

    def __call__(self, *args, **kwargs):
        return self._peer.call(self, args, kwargs)

    def __getitem__(self, key):
        return self._peer.request("getitem", target=self, key=key)

    def __setitem__(self, key, value):
        self._peer.request("setitem", target=self, key=key, value=value)

    def __delitem__(self, key):
        self._peer.request("delitem", target=self, key=key)

    def __len__(self):
        return self._peer.request("len", target=self)

    def __iter__(self):
        return iter(self._peer.request("iter", target=self))

    def __contains__(self, item):
        return self._peer.request("contains", target=self, value=item)

    def __bool__(self):
        return True

    def __instancecheck__(self, instance):
        return self._peer.request("instancecheck", target=self, value=instance)

    def __subclasscheck__(self, subclass):
        return self._peer.request("subclasscheck", target=self, value=subclass)

    def __repr__(self):
        owner = "the student's kernel" if self._peer.judge else "the grader"
        return f"<{self._mro[0] if self._mro else 'object'} from {owner}>"

    def __reduce__(self):
        raise TypeError("an object of the other end cannot be copied")


def trusted_class(mro: list[str], known: dict[str, type]) -> type:
    """The first of `mro` ("module:qualname") that names a class in `known` or already imported here, never a
    tensor class. `known` maps the other end's names to classes of ours (the given code's, on the judge's end)."""
    for name in mro:
        if name in known:
            return known[name]
        module, _, qualname = name.rpartition(":")
        found = sys.modules.get(module)
        for part in qualname.split(".") if found is not None else ():
            found = getattr(found, part, None)
        if isinstance(found, type) and not issubclass(found, torch.Tensor):
            return found
    return object


class Peer:
    """One end of the channel: a socket, the objects this end has handed out, and the requests it serves.

    `judge=True` is the judge's end: it serves only what a student's code may ask of the tests' objects
    (calls, reads, the methods in SAFE_METHODS or defined by the tests) and never loads a pickle.
    """

    def __init__(self, sock: socket.socket, judge: bool, namespace: dict | None = None):
        self.sock, self.judge, self.namespace = sock, judge, namespace or {}
        self.exports: dict[int, object] = {}     # handle -> object of ours the other end may use
        self.handles: dict[int, int] = {}        # id(object) -> handle
        self.remotes: dict[int, Remote] = {}     # handle -> proxy of the other end's object
        self.nodes: dict[int, tuple[list, list]] = {}  # autograd nodes of calls we served: (inputs, outputs)
        self.parameters: dict[int, torch.nn.Parameter] = {}  # the other end's parameters, one object each here
        self.versions: dict[int, int] = {}       # their version counters when they last matched the other end's
        self.shared: dict[int, torch.nn.Parameter] = {}  # our parameters the other end holds a copy of
        self.classes: dict[str, type] = {}       # see `trusted_class`
        self.rng: torch.Tensor | None = None     # the random state both ends last agreed on
        self.counter = itertools.count(1)
        self.buffer = bytearray()
        self.deadline: float | None = None       # the judge's: when the current test cell must be done
        self.on_deadline = None                  # called once when it passes (the judge asks for an interrupt)
        self.dead = ""

    # --- framing -------------------------------------------------------------------------------------------
    def send(self, header: dict, tensors: list[torch.Tensor]) -> None:
        blob = save_tensors({str(i): t for i, t in enumerate(tensors)}) if tensors else b""
        data = json.dumps(header, separators=(",", ":")).encode()
        self.sock.sendall(struct.pack(">II", len(data), len(blob)) + data + blob)

    def receive(self) -> tuple[dict, dict]:
        head = self._read(8)
        size, blob_size = struct.unpack(">II", head)
        if size + blob_size > MAX_FRAME:
            raise ProtocolError(f"a message of {size + blob_size} bytes is over the channel's limit")
        data, blob = self._read(size), self._read(blob_size)
        try:
            header = json.loads(data)
            table = load_tensors(blob) if blob else {}
        except (ValueError, RecursionError, Exception) as error:  # noqa: BLE001 (any undecodable frame)
            raise ProtocolError(f"an undecodable message ({type(error).__name__})") from None
        if not isinstance(header, dict):
            raise ProtocolError("a message that is not a JSON object")
        return header, table

    def _read(self, size: int) -> bytes:
        interrupted = False
        while len(self.buffer) < size:
            if self.deadline is not None:
                left = self.deadline - time.monotonic()
                if left <= 0 and not interrupted and self.on_deadline:
                    self.on_deadline()
                    interrupted, self.deadline = True, time.monotonic() + GRACE
                    continue
                if left <= 0:
                    self.dead = "the student's kernel stopped answering (it did not stop when interrupted)"
                    raise ProtocolError(self.dead)
                self.sock.settimeout(max(left, 0.001))
            else:
                self.sock.settimeout(None)
            try:
                chunk = self.sock.recv(max(1 << 16, size - len(self.buffer)))
            except socket.timeout:
                continue
            except KeyboardInterrupt:  # the agent is interrupted while idle: nothing to stop
                continue
            if not chunk:
                self.dead = "the other end closed the channel"
                raise ProtocolError(self.dead)
            self.buffer += chunk
        data = bytes(self.buffer[:size])
        del self.buffer[:size]
        return data

    # --- requests ------------------------------------------------------------------------------------------
    def request(self, op: str, **fields):
        reply, table = self._request(op, fields)
        return Decoder(self, table).decode(reply.get("value"))

    def _request(self, op: str, fields: dict, record: list | None = None):
        if self.dead:
            raise ProtocolError(self.dead)
        message_id = next(self.counter)
        encoder = Encoder(self)
        header = {"id": message_id, "op": op, **{k: encoder.encode(v) for k, v in fields.items()}}
        if self.judge:
            header["sync"] = encoder.encode(self._changed_parameters())
        self.send(header, encoder.tensors)
        if record is not None:
            record.extend(encoder.originals)
        while True:
            message, table = self.receive()
            if "re" not in message:
                self.serve(message, table)
            elif message["re"] == message_id:
                if "error" in message:
                    raise _exception(message["error"])
                return message, table

    def call(self, target: Remote, args: tuple, kwargs: dict):
        """Call an object of the other end, sharing random state, default dtype, autocast and gradients."""
        sent: list = []
        fields = {"target": target, "args": list(args), "kwargs": kwargs, "state": self.shared_state()}
        reply, table = self._request("call", fields, record=sent)
        try:
            return self._called(reply, table, sent)
        except ProtocolError:
            raise
        except Exception as error:  # noqa: BLE001 (an answer that does not fit the call)
            raise ProtocolError(f"a malformed answer to a call ({type(error).__name__}: {error})") from None

    def _called(self, reply: dict, table: dict, sent: list):
        inputs = [t for t in sent if isinstance(t, torch.Tensor)]
        for index, value in reply.get("changed", {}).items():
            original = inputs[int(index)]
            new = table.get(str(value))
            if new is not None and new.shape == original.shape:
                with torch.no_grad():
                    original.copy_(new.to(original.dtype))
        generators = [g for g in sent if isinstance(g, torch.Generator)]
        for index, value in reply.get("generators", {}).items():
            generators[int(index)].set_state(table[str(value)])
        self.set_shared_state(Decoder(self, table).decode(reply.get("state")))
        node, outputs = reply.get("node"), reply.get("outputs", [])
        if node is not None and outputs and torch.is_grad_enabled():
            leaves = [t for t in inputs if t.requires_grad]
            anchor = torch.zeros((), requires_grad=True)   # every bridged output gets a grad_fn
            bridged = _Bridge.apply(self, node, [table[str(k)] for k in outputs], anchor, *leaves)
            table.update({str(k): t for k, t in zip(outputs, bridged)})
        return Decoder(self, table).decode(reply["value"])

    def copy_to_student(self, *objects):
        """The objects, copied into the student's kernel (cloudpickle, judge to kernel only); their handles."""
        import cloudpickle

        copies = self.request("copy", data=cloudpickle.dumps(objects))
        return copies[0] if len(copies) == 1 else tuple(copies)

    def shared_state(self) -> dict:
        """What both ends share: grad mode, the default dtype, CPU autocast, and the global random state when
        it changed since the two ends last agreed on it."""
        state = {"grad": torch.is_grad_enabled(), "dtype": str(torch.get_default_dtype()).removeprefix("torch."),
                 "autocast": [torch.is_autocast_enabled("cpu"),
                              str(torch.get_autocast_dtype("cpu")).removeprefix("torch.")]}
        rng = torch.get_rng_state()
        if self.rng is None or not torch.equal(rng, self.rng):
            state["rng"] = self.rng = rng
        return state

    def set_shared_state(self, state) -> None:
        if not isinstance(state, dict):
            return
        if isinstance(state.get("rng"), torch.Tensor):
            self.rng = state["rng"]
            torch.set_rng_state(self.rng)
        if isinstance(state.get("dtype"), str):
            dtype = _dtype(state["dtype"])
            if dtype.is_floating_point:
                torch.set_default_dtype(dtype)

    # --- serving -------------------------------------------------------------------------------------------
    def serve_forever(self) -> None:
        while True:
            try:
                message, table = self.receive()
            except ProtocolError:
                return
            self.serve(message, table)

    def _changed_parameters(self) -> dict[int, torch.Tensor]:
        """The student's parameters that the tests changed in place here (`weight.copy_(...)`), to copy back."""
        changed = {key: p for key, p in self.parameters.items() if p._version != self.versions.get(key)}
        self.versions.update({key: p._version for key, p in changed.items()})
        return changed

    def _apply_changes(self, message: dict, table: dict) -> None:
        """In the student's kernel: make our parameters equal to the judge's changed copies."""
        for key, value in (Decoder(self, table).decode(message.get("sync")) or {}).items():
            mine = self.shared.get(key)
            if mine is not None and isinstance(value, torch.Tensor) and value.shape == mine.shape:
                with torch.no_grad():
                    mine.copy_(value)

    def serve(self, message: dict, table: dict) -> None:
        encoder = Encoder(self)
        try:
            if not self.judge:
                self._apply_changes(message, table)
            op = message.get("op")
            handler = getattr(self, f"_op_{op}", None) if isinstance(op, str) else None
            if handler is None:
                raise ProtocolError(f"unknown request {op!r}")
            reply = handler(message, table, encoder)
        except BaseException as error:  # noqa: BLE001 (the other end gets every failure as an answer)
            if isinstance(error, ProtocolError) and self.dead:
                raise
            encoder = Encoder(self)
            reply = {"error": {"type": type(error).__name__, "message": str(error)[:4000]}}
        self.send({"re": message.get("id"), **reply}, encoder.tensors)

    def _local(self, value, table):
        return Decoder(self, table).decode(value)

    def _op_resolve(self, message, table, encoder):
        self._only_student("resolve")
        names = [n for n in self._local(message["names"], table) if isinstance(n, str)]
        found = {n: self.namespace[n] for n in names if n in self.namespace}
        return {"value": encoder.encode(found)}

    def _op_call(self, message, table, encoder):
        decoder = Decoder(self, table, grad=True)
        target = decoder.decode(message["target"])
        args, kwargs = decoder.decode(message["args"]), decoder.decode(message["kwargs"])
        state = decoder.decode(message.get("state"))
        self.set_shared_state(state)
        versions = [t._version for t in decoder.tensors]
        autocast = state.get("autocast") or [False, "bfloat16"]
        with torch.set_grad_enabled(bool(state.get("grad"))), \
                torch.autocast("cpu", dtype=_dtype(autocast[1]), enabled=bool(autocast[0])):
            value = target(*args, **kwargs)
        reply = {"value": encoder.encode(value)}
        changed = {i: t for i, (t, v) in enumerate(zip(decoder.tensors, versions)) if t._version != v}
        reply["changed"] = {str(i): encoder.add(t) for i, t in changed.items()}
        reply["generators"] = {str(i): encoder.add(g.get_state()) for i, g in enumerate(decoder.generators)}
        reply["state"] = encoder.encode(self.shared_state())
        outputs = [i for i, t in enumerate(encoder.originals)
                   if isinstance(t, torch.Tensor) and t.requires_grad and t.is_floating_point()]
        if outputs and state.get("grad"):
            node = next(self.counter)
            self.nodes[node] = ([t for t in decoder.tensors if t.requires_grad], [encoder.originals[i] for i in outputs])
            reply["node"], reply["outputs"] = node, outputs
        return reply

    def _op_backward(self, message, table, encoder):
        leaves, outputs = self.nodes[message["node"]]
        grads = Decoder(self, table).decode(message["grads"])
        pairs = [(o, g) for o, g in zip(outputs, grads) if isinstance(g, torch.Tensor) and o.requires_grad]
        for leaf in leaves:
            leaf.grad = None
        if pairs:
            torch.autograd.backward([o for o, _ in pairs], [g.to(o.dtype) for o, g in pairs], retain_graph=True)
        result = [leaf.grad for leaf in leaves]
        for leaf in leaves:
            leaf.grad = None
        return {"value": encoder.encode(result)}

    def _op_getattr(self, message, table, encoder):
        target, name = self._local(message["target"], table), message["name"]
        if not isinstance(name, str):
            raise TypeError("attribute name must be a string")
        if self.judge and name.startswith("_"):
            raise AttributeError(f"the grader's objects do not show '{name}'")
        value = getattr(target, name)
        if self.judge and callable(value) and not _safe_to_call(target, name, value):
            raise AttributeError(f"the grader's {type(target).__name__} does not let the notebook call '{name}'")
        return {"value": encoder.handle(value) if name in ("__globals__", "__dict__") else encoder.encode(value)}

    def _op_setattr(self, message, table, encoder):
        self._only_student("change the grader's objects")
        setattr(self._local(message["target"], table), message["name"], self._local(message["value"], table))
        return {"value": None}

    def _op_delattr(self, message, table, encoder):
        self._only_student("change the grader's objects")
        delattr(self._local(message["target"], table), message["name"])
        return {"value": None}

    def _op_getitem(self, message, table, encoder):
        target, key = self._local(message["target"], table), self._local(message["key"], table)
        return {"value": encoder.encode(target[key])}

    def _op_setitem(self, message, table, encoder):
        self._only_student("change the grader's objects")
        target = self._local(message["target"], table)
        target[self._local(message["key"], table)] = self._local(message["value"], table)
        return {"value": None}

    def _op_delitem(self, message, table, encoder):
        self._only_student("change the grader's objects")
        del self._local(message["target"], table)[self._local(message["key"], table)]
        return {"value": None}

    def _op_len(self, message, table, encoder):
        return {"value": len(self._local(message["target"], table))}

    def _op_iter(self, message, table, encoder):
        items = list(itertools.islice(iter(self._local(message["target"], table)), MAX_ITEMS + 1))
        if len(items) > MAX_ITEMS:
            raise ValueError(f"more than {MAX_ITEMS} items to iterate over")
        return {"value": encoder.encode(items)}

    def _op_contains(self, message, table, encoder):
        target, value = self._local(message["target"], table), self._local(message["value"], table)
        return {"value": bool(value in target)}

    def _op_instancecheck(self, message, table, encoder):
        target, value = self._local(message["target"], table), self._local(message["value"], table)
        return {"value": bool(isinstance(value, target))}

    def _op_subclasscheck(self, message, table, encoder):
        target, value = self._local(message["target"], table), self._local(message["value"], table)
        return {"value": bool(issubclass(value, target))}

    def _op_copy(self, message, table, encoder):
        self._only_student("load a pickle")
        objects = pickle.loads(self._local(message["data"], table))  # the judge's objects, in the student's kernel
        return {"value": {"list": [encoder.handle(o) for o in objects]}}

    def _only_student(self, what: str) -> None:
        if self.judge:
            raise PermissionError(f"the notebook cannot {what}")


def _safe_to_call(target, name: str, value) -> bool:
    """Whether the student's code may call `target.name` (`value`) on an object of the judge's."""
    if isinstance(value, (type, torch.nn.Module)) or name in SAFE_METHODS:
        return True
    owner = next((c for c in type(target).__mro__ if name in vars(c)), None)
    return owner is not None and owner.__module__ == TESTS_MODULE


class Encoder:
    """Turns a value into JSON and a list of tensors; objects that are not data become handles."""

    def __init__(self, peer: Peer):
        self.peer = peer
        self.tensors: list[torch.Tensor] = []   # what goes into the blob
        self.originals: list = []               # the tensors and generators encoded, as they were

    def add(self, tensor: torch.Tensor) -> int:
        self.tensors.append(tensor.detach().to("cpu", copy=True).contiguous())
        self.originals.append(None)
        return len(self.tensors) - 1

    def encode(self, value, depth: int = 0):
        if depth > MAX_DEPTH:
            raise ValueError("a value nested too deeply for the grader's channel")
        down = depth + 1
        if type(value) is Remote:
            return self.handle(value)
        if value is None or type(value) in (bool, str):
            return value
        if isinstance(value, bool):
            return bool(value)
        if isinstance(value, str):
            return str(value)
        if isinstance(value, numbers.Integral):
            return int(value)
        if isinstance(value, numbers.Real):
            return float(value)
        if isinstance(value, numbers.Complex):
            return {"complex": [float(value.real), float(value.imag)]}
        if isinstance(value, torch.Tensor):
            return self._tensor(value)
        if isinstance(value, torch.Generator):
            self.tensors.append(value.get_state())
            self.originals.append(value)
            return {"generator": len(self.tensors) - 1}
        if isinstance(value, torch.dtype):
            return {"dtype": str(value).removeprefix("torch.")}
        if isinstance(value, torch.device):
            return {"device": str(value)}
        if isinstance(value, torch.Size):
            return {"size": [int(n) for n in value]}
        if isinstance(value, (bytes, bytearray)):
            return {"bytes": base64.b64encode(bytes(value)).decode()}
        if isinstance(value, tuple):
            return {"tuple": [self.encode(v, down) for v in value]}
        if isinstance(value, list):
            return {"list": [self.encode(v, down) for v in value]}
        if isinstance(value, dict):
            return {"dict": [[self.encode(k, down), self.encode(v, down)] for k, v in value.items()]}
        if isinstance(value, (set, frozenset)):
            return {"set": [self.encode(v, down) for v in value], "frozen": isinstance(value, frozenset)}
        if isinstance(value, slice):
            return {"slice": [self.encode(v, down) for v in (value.start, value.stop, value.step)]}
        if isinstance(value, range):
            return {"range": [value.start, value.stop, value.step]}
        if value is Ellipsis:
            return {"ellipsis": True}
        return self.handle(value)

    def _tensor(self, tensor: torch.Tensor):
        if tensor.device.type == "meta":
            return {"meta": [int(n) for n in tensor.shape], "dtype": str(tensor.dtype).removeprefix("torch.")}
        node = {"tensor": len(self.tensors), "grad": bool(tensor.requires_grad)}
        self.tensors.append(tensor.detach().to("cpu", copy=True).contiguous())
        self.originals.append(tensor)
        if isinstance(tensor, torch.nn.Parameter):
            node["parameter"] = id(tensor)
            self.peer.shared[id(tensor)] = tensor
        if tensor.is_leaf and tensor.grad is not None:
            node["grad_value"] = self.add(tensor.grad)
        return node

    def handle(self, value):
        if type(value) is Remote and value._peer is self.peer:
            return {"yours": value._handle}
        handle = self.peer.handles.get(id(value))
        if handle is None:
            handle = next(self.peer.counter)
            self.peer.handles[id(value)] = handle
            self.peer.exports[handle] = value
        return {"mine": handle, "mro": [f"{c.__module__}:{c.__qualname__}" for c in type(value).__mro__]}


class Decoder:
    """Turns JSON and the frame's tensors back into values; never constructs anything but data and proxies.

    With `grad`, tensors that required gradients on the other end become leaves that require them here
    (the inputs of a served call)."""

    def __init__(self, peer: Peer, table: dict, grad: bool = False):
        self.peer, self.table, self.grad = peer, table, grad
        self.tensors: list[torch.Tensor] = []
        self.generators: list[torch.Generator] = []

    def decode(self, node, depth: int = 0):
        try:
            return self._decode(node, depth)
        except (ProtocolError, RecursionError):
            raise
        except Exception as error:  # noqa: BLE001 (malformed data from the other end)
            raise ProtocolError(f"a malformed value ({type(error).__name__}: {error})") from None

    def _decode(self, node, depth):
        if depth > MAX_DEPTH:
            raise ProtocolError("a value nested too deeply")
        if node is None or type(node) in (bool, int, float, str):
            return node
        if type(node) is not dict:
            raise ProtocolError(f"unexpected {type(node).__name__} in a value")
        down = depth + 1
        if "tensor" in node:
            return self._tensor(node)
        if "list" in node:
            return [self._decode(v, down) for v in node["list"]]
        if "tuple" in node:
            return tuple(self._decode(v, down) for v in node["tuple"])
        if "dict" in node:
            return {self._decode(k, down): self._decode(v, down) for k, v in node["dict"]}
        if "mine" in node:
            return self._remote(node)
        if "yours" in node:
            return self.peer.exports[int(node["yours"])]
        if "dtype" in node and "meta" not in node:
            return _dtype(node["dtype"])
        if "meta" in node:
            return torch.empty([int(n) for n in node["meta"]], dtype=_dtype(node["dtype"]), device="meta")
        if "device" in node:
            return torch.device(str(node["device"]))
        if "size" in node:
            return torch.Size([int(n) for n in node["size"]])
        if "generator" in node:
            generator = torch.Generator()
            generator.set_state(self.table[str(int(node["generator"]))])
            self.generators.append(generator)
            return generator
        if "bytes" in node:
            return base64.b64decode(str(node["bytes"]))
        if "set" in node:
            items = [self._decode(v, down) for v in node["set"]]
            return frozenset(items) if node.get("frozen") else set(items)
        if "slice" in node:
            return slice(*(self._decode(v, down) for v in node["slice"]))
        if "range" in node:
            return range(*(int(v) for v in node["range"]))
        if "complex" in node:
            return complex(float(node["complex"][0]), float(node["complex"][1]))
        if "ellipsis" in node:
            return Ellipsis
        raise ProtocolError(f"unknown value {sorted(node)[:3]}")

    def _tensor(self, node):
        tensor = self.table[str(int(node["tensor"]))]
        if node.get("grad") and tensor.is_leaf and tensor.is_floating_point() and (self.grad or node.get("parameter")):
            tensor.requires_grad_(True)
        if node.get("parameter") and tensor.is_leaf:
            tensor = self._parameter(int(node["parameter"]), tensor, bool(node.get("grad")))
        if "grad_value" in node:
            grad = self.table[str(int(node["grad_value"]))]
            if grad.shape == tensor.shape and tensor.is_leaf:
                tensor.grad = grad.to(tensor.dtype)
        self.tensors.append(tensor)
        return tensor

    def _parameter(self, key: int, value: torch.Tensor, grad: bool) -> torch.nn.Parameter:
        """The other end's parameter `key`, as one Parameter here whose value follows the other end's."""
        grad = grad and value.is_floating_point()
        known = self.peer.parameters.get(key)
        if known is None or known.shape != value.shape or known.dtype != value.dtype:
            known = self.peer.parameters[key] = torch.nn.Parameter(value, requires_grad=grad)
        else:
            known.data = value
            known.requires_grad_(grad)
            known.grad = None
        self.peer.versions[key] = known._version
        return known

    def _remote(self, node):
        handle = int(node["mine"])
        remote = self.peer.remotes.get(handle)
        if remote is None:
            mro = [str(n) for n in node.get("mro", [])][:64]
            remote = self.peer.remotes[handle] = Remote(self.peer, handle, mro)
        return remote


class _Bridge(torch.autograd.Function):
    """A call's outputs on the caller's side; backward asks the callee for the inputs' gradients."""

    @staticmethod
    def forward(ctx, peer, node, outputs, anchor, *inputs):
        ctx.peer, ctx.node, ctx.count = peer, node, len(inputs)
        return tuple(o.detach() for o in outputs)

    @staticmethod
    def backward(ctx, *grads):
        result = ctx.peer.request("backward", node=ctx.node, grads=list(grads))
        result = list(result)[:ctx.count] + [None] * max(0, ctx.count - len(result))
        return (None, None, None, None, *result)


def _dtype(name) -> torch.dtype:
    value = getattr(torch, str(name), None)
    if not isinstance(value, torch.dtype):
        raise ProtocolError(f"unknown dtype {name!r}")
    return value


def _exception(error) -> BaseException:
    """The exception to raise for an error answer: Python's own type when it names one, else RemoteError."""
    if not isinstance(error, dict):
        return ProtocolError("a malformed error answer")
    name, message = str(error.get("type", "Error"))[:100], str(error.get("message", ""))[:4000]
    kind = getattr(builtins, name, None)
    if isinstance(kind, type) and issubclass(kind, Exception):
        try:
            return kind(message)
        except Exception:  # noqa: BLE001 (an exception type that wants other arguments)
            pass
    if name == "KeyboardInterrupt":
        return TimeoutError(f"the student's code was interrupted: it ran past the grader's time limit")
    return RemoteError(f"{name}: {message}")


def connect(path: str, timeout: float) -> socket.socket:
    """A connection to the agent's socket, retried until it listens or `timeout` seconds pass."""
    deadline = time.monotonic() + timeout
    while True:
        sock = socket.socket(socket.AF_UNIX)
        try:
            sock.connect(path)
            return sock
        except OSError:
            sock.close()
            if time.monotonic() > deadline:
                raise ProtocolError(f"the student's kernel did not answer the grader within {timeout:g} s") from None
            time.sleep(0.02)


def serve_student(path: str, namespace: dict, timeout: float) -> None:
    """In the student's kernel: answer one judge on the socket `path` until it hangs up."""
    if os.path.lexists(path):
        os.unlink(path)
    server = socket.socket(socket.AF_UNIX)
    server.bind(path)
    os.chmod(path, 0o666)
    server.listen(1)
    server.settimeout(timeout)
    try:
        conn, _ = server.accept()
    finally:
        server.close()
        os.unlink(path)
    with conn:
        conn.settimeout(None)
        Peer(conn, judge=False, namespace=namespace).serve_forever()
