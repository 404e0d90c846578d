"""Chapter 8's training run as a script: the course's Transformer and training loop, taken from the
solution notebook, trained on English number words -> Chinese numerals (`tfs.numbers`).

    .venv/bin/python benchmarks/train.py                    # the CPU configuration: exact match, BLEU, time
    .venv/bin/python benchmarks/train.py --gpu-config       # the larger configuration (meant for a GPU)
    .venv/bin/torchrun --nproc_per_node=2 benchmarks/train.py   # DistributedDataParallel, one shard per process
    .venv/bin/python benchmarks/train.py --ddp-check OUT    # one optimizer step on a fixed global batch ...
    .venv/bin/torchrun --nproc_per_node=2 benchmarks/train.py --ddp-check OUT   # ... split over two processes

CUDA is used when present, with bf16 autocast (`train_epoch`'s default there); `--bf16` asks for bf16
autocast on the CPU too. Under torchrun the processes use the gloo backend on the CPU, nccl on CUDA;
each trains on its own share of every epoch's batches and DistributedDataParallel averages the
gradients, so one step sees world_size batches. `--ddp-check` saves the parameters after one step
(rank 0 writes them): the one-process and two-process files must agree (tests/test_training.py).
"""

import argparse
import itertools
import json
import os
import sys
import time
from pathlib import Path

import sacrebleu
import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from benchmarks.solution_code import solution_namespace  # noqa: E402
from tfs.numbers import BOS_ID, EOS_ID, batches, copy_batches, source_vocab, splits, target_vocab  # noqa: E402
from tfs.runtime import pick_device  # noqa: E402

# The notebook's "try it" configurations; the CPU one reaches >= 99% exact match in about three minutes.
CONFIGS = {
    "cpu": dict(model=dict(d_model=128, n_heads=4, n_layers=2, d_ff=512), batch_size=128, steps=1200, lr=1e-3),
    "gpu": dict(model=dict(d_model=256, n_heads=8, n_layers=3, d_ff=1024), batch_size=256, steps=3000, lr=1e-3),
}
WARMUP, SMOOTHING, DROPOUT = 100, 0.1, 0.1
DATA = dict(n_train=20_000, n_val=500, n_test=1_000, seed=0)


def start_processes() -> tuple[int, int, torch.device]:
    """(rank, world size, device); joins the process group when launched by torchrun."""
    if "RANK" not in os.environ:
        return 0, 1, pick_device()
    cuda = torch.cuda.is_available()
    dist.init_process_group("nccl" if cuda else "gloo")
    rank, local_rank = dist.get_rank(), int(os.environ.get("LOCAL_RANK", 0))
    if cuda:
        torch.cuda.set_device(local_rank)
    return rank, dist.get_world_size(), torch.device(f"cuda:{local_rank}" if cuda else "cpu")


def distributed(model: torch.nn.Module, world: int, device: torch.device) -> torch.nn.Module:
    if world == 1:
        return model
    return DistributedDataParallel(model, device_ids=[device.index] if device.type == "cuda" else None)


def warmup_schedule(course: dict, optimizer, d_model: int):
    noam_lr = course["noam_lr"]
    return torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda step: noam_lr(step, d_model, WARMUP) / noam_lr(WARMUP, d_model, WARMUP))


def ddp_check(course: dict, out: Path, rank: int, world: int, device: torch.device) -> None:
    """One SGD step on a fixed global batch of 16 copy-task sentences, split evenly over the processes."""
    vocab = 11
    (src, labels), = copy_batches(1, 16, 6, vocab, seed=5)    # no padding: every share has as many tokens
    share = slice(rank * len(src) // world, (rank + 1) * len(src) // world)
    torch.manual_seed(0)
    model = course["Transformer"](vocab, vocab, d_model=32, n_heads=4, n_layers=2, d_ff=64, dropout=0.0).to(device)
    ddp = distributed(model, world, device)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
    loss = course["train_epoch"](ddp, [(src[share], labels[share])], optimizer,
                                 course["LabelSmoothingLoss"](vocab, SMOOTHING), device=device, clip_norm=1.0)
    if rank == 0:
        torch.save({name: p.detach().cpu() for name, p in model.state_dict().items()}, out)
        print(f"ddp check: {world} process(es), loss of rank 0's share {loss:.4f}, parameters saved to {out}")


def evaluate(course: dict, model, numbers, device) -> tuple[float, float]:
    """Exact match and BLEU of greedy decoding on `numbers`."""
    tgt_vocab = target_vocab()
    chinese = lambda ids: "".join(tgt_vocab.decode(ids))  # noqa: E731
    model.eval()
    hypotheses, references = [], []
    for src, labels in batches(numbers, 500, shuffle=False):
        out = course["greedy_decode"](model, src.to(device), labels.shape[1] + 4, BOS_ID, EOS_ID).cpu()
        hypotheses += [chinese(row) for row in out.tolist()]
        references += [chinese(row) for row in labels.tolist()]
    exact = sum(h == r for h, r in zip(hypotheses, references)) / len(references)
    return exact, sacrebleu.corpus_bleu(hypotheses, [references], tokenize="zh").score


def train(course: dict, config: dict, rank: int, world: int, device: torch.device, args) -> dict:
    data = splits(DATA["n_train"], DATA["n_val"], DATA["n_test"], seed=DATA["seed"])
    src_vocab, tgt_vocab = source_vocab(), target_vocab()
    torch.manual_seed(0)
    model = course["Transformer"](len(src_vocab), len(tgt_vocab), dropout=DROPOUT, **config["model"]).to(device)
    ddp = distributed(model, world, device)
    optimizer = torch.optim.AdamW(model.parameters(), lr=config["lr"], betas=(0.9, 0.98), weight_decay=0.01)
    scheduler = warmup_schedule(course, optimizer, config["model"]["d_model"])
    loss_fn = course["LabelSmoothingLoss"](len(tgt_vocab), smoothing=SMOOTHING)
    steps = args.steps or config["steps"]
    autocast = torch.bfloat16 if args.bf16 else None
    log = rank == 0
    if log:
        print(f"{sum(p.numel() for p in model.parameters()):,} parameters, {config}, {device}, "
              f"{world} process(es), {torch.get_num_threads()} threads each")
    curve, done, start = [], 0, time.perf_counter()
    for epoch in itertools.count():
        every = batches(data["train"], config["batch_size"], seed=epoch)
        every = every[:len(every) - len(every) % world]  # as many steps on every process, or DDP waits forever
        epoch_batches = every[rank::world][:steps - done]
        if not epoch_batches:
            break
        loss = course["train_epoch"](ddp, epoch_batches, optimizer, loss_fn, scheduler, device=device,
                                     autocast_dtype=autocast)
        done += len(epoch_batches)
        seconds = time.perf_counter() - start
        curve.append(dict(epoch=epoch + 1, step=done, loss=round(loss, 4), seconds=round(seconds, 1)))
        if log:
            print(f"epoch {epoch + 1}: step {done}, loss {loss:.3f}, {seconds:.0f} s", flush=True)
    seconds = time.perf_counter() - start
    result = dict(config=config, steps=done, world_size=world, device=str(device), training_seconds=round(seconds, 1),
                  steps_per_second=round(done / seconds, 3), curve=curve)
    if log:
        exact, bleu = evaluate(course, model, data["test"], device)
        result |= dict(exact_match=exact, bleu=round(bleu, 2), test_numbers=len(data["test"]))
        print(f"training: {done} steps in {seconds:.0f} s ({done / seconds:.2f} steps/s); "
              f"test: exact match {exact:.1%} of {len(data['test'])} numbers, BLEU {bleu:.1f}")
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--gpu-config", action="store_true", help="the larger configuration")
    parser.add_argument("--steps", type=int, help="optimizer steps (default: the configuration's)")
    parser.add_argument("--bf16", action="store_true", help="bf16 autocast on the CPU too")
    parser.add_argument("--json", type=Path, help="write the results and the training curve here")
    parser.add_argument("--ddp-check", type=Path, metavar="OUT", help="one step on a fixed batch; save parameters")
    args = parser.parse_args()
    rank, world, device = start_processes()
    course = solution_namespace("ch08_training")
    try:
        if args.ddp_check:
            ddp_check(course, args.ddp_check, rank, world, device)
        else:
            result = train(course, CONFIGS["gpu" if args.gpu_config else "cpu"], rank, world, device, args)
            if args.json and rank == 0:
                args.json.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    finally:
        if world > 1:
            dist.destroy_process_group()


if __name__ == "__main__":
    main()
