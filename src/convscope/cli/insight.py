"""``convscope insight filters|topk|attribute|visualize|kernels``: looking inside a model."""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path
from typing import Any

import torch

from convscope.cli import model_facts, print_json
from convscope.cli.options import add_model_argument, model_from_args
from convscope.errors import ConvScopeError
from convscope.network import Network


def register(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "insight", help="filters, top dataset patches, attribution maps with trust checks, feature visualisation"
    )
    sub = parser.add_subparsers(dest="insight_command", required=True, parser_class=type(parser))
    for name, helptext, add, run in (
        ("filters", "draw a conv layer's filters as a PNG", _add_filters, _filters),
        ("topk", "the dataset images that excite each channel most, with receptive-field boxes", _add_topk, _topk),
        ("attribute", "an attribution map for one image and class, with its trust checks", _add_attribute, _attribute),
        ("visualize", "optimise an input that excites a channel or a class", _add_visualize, _visualize),
        ("kernels", "classic kernels on an image; the classic kernel each first-layer filter resembles", _add_kernels,
         _kernels),
    ):  # fmt: skip
        command = sub.add_parser(name, help=helptext)
        add_model_argument(command)
        add(command)
        command.add_argument("--json", action="store_true", help="print JSON")
        command.add_argument("--offline", action="store_true", help="never download")
        command.set_defaults(run=run)


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be at least 1, got {value}")
    return value


# ------------------------------------------------------------------ filters


def _add_filters(p: argparse.ArgumentParser) -> None:
    p.add_argument("--layer", required=True, help="a conv layer")
    p.add_argument("--out", default="filters.png", help="the PNG to write")
    p.add_argument("--sort", action="store_true", help="strongest filters (L2 norm) first")


def _filters(args: argparse.Namespace) -> int:
    from convscope.insight.filters import filter_pictures, render_png, write_png

    network = model_from_args(args)
    pictures = filter_pictures(network, args.layer, sort_by_norm=args.sort)
    path = write_png(args.out, render_png(pictures))
    if args.json:
        print_json({**model_facts(network, args.model), **pictures.to_dict(), "png": str(path)})
    else:
        f, c, kh, kw = pictures.weights.shape
        print(f"{args.layer}: {f} filters of {c}×{kh}×{kw}, weights within ±{pictures.range:.4g}; written to {path}")
    return 0


# --------------------------------------------------------------------- topk


def _add_topk(p: argparse.ArgumentParser) -> None:
    p.add_argument("--data", default="fashion-mnist", help="fashion-mnist, a folder of IDX files or of class folders")
    p.add_argument("--split", choices=("test", "train"), default="test", help="IDX split to use")
    p.add_argument("--layer", required=True, help="the layer to report (the pass covers every layer)")
    p.add_argument("--k", type=_positive, default=9, help="examples per channel")
    p.add_argument("--channel", type=int, action="append", metavar="C", help="report only these channels")
    p.add_argument("--limit", type=_positive, metavar="N", help="use only the first N images")
    p.add_argument("--store", metavar="DIR", help="the model folder to keep results in (default: the model's own)")
    p.add_argument("--batch", type=_positive, default=500, help="images per forward pass")


def model_folder(args: argparse.Namespace, network: Network) -> Path | None:
    """Where top-k results live: ``--store``, the MODEL folder itself, or the folder its samples came from."""
    if args.store:
        return Path(args.store)
    if Path(args.model).is_dir():
        return Path(args.model)
    if network.samples_dir is not None:
        return Path(network.samples_dir).parent
    return None


def load_topk_data(source: str, split: str, network: Network, limit: int | None) -> Any:
    from convscope.data.sources import is_idx_source, load_dataset

    if is_idx_source(source) and network.input_spec.channels != 1:
        raise ConvScopeError(
            f"{source} holds grey images but the model takes {network.input_spec.channels} channels; "
            "use a folder of images of the model's kind"
        )
    data = load_dataset(source, split=split, spec=network.input_spec).head(limit)
    if len(data) == 0:
        raise ConvScopeError(f"{source} holds no images")
    return data


def _topk(args: argparse.Namespace) -> int:
    from tqdm import tqdm

    from convscope.insight.receptive import ReceptiveFields
    from convscope.insight.store import dataset_fingerprint, load_tops, model_fingerprint, save_tops
    from convscope.insight.topk import topk_layers
    from convscope.insight.topk_report import layer_report
    from convscope.insight.topk_run import distributed_top_k
    from convscope.training import distributed

    network = model_from_args(args)
    topk_layers(network, [args.layer])  # a layer without maps fails before the pass
    channels = network.layer(args.layer).output_shape[0]
    for c in args.channel or []:
        if not 0 <= c < channels:
            raise ConvScopeError(
                f"channel {c} is out of range: layer '{args.layer}' has {channels}, 0 to {channels - 1}"
            )
    data = load_topk_data(args.data, args.split, network, args.limit)
    folder = model_folder(args, network)
    fingerprint = dataset_fingerprint(data)
    tops = load_tops(folder, fingerprint, network) if folder else None
    if tops is None or args.layer not in tops or tops[args.layer].k < args.k:
        ctx = distributed.setup("cpu")
        bar = tqdm(total=len(data), desc="top-k pass", unit="img", disable=not ctx.is_main, file=sys.stderr)
        try:
            tops = distributed_top_k(network, data, k=args.k, ctx=ctx, batch=args.batch, progress=bar.update)
        finally:
            bar.close()
        if folder is not None and ctx.is_main:
            entry = {"source": args.data, "split": args.split, "count": len(data), "k": args.k,
                     "model": model_fingerprint(network)}  # fmt: skip
            save_tops(folder, fingerprint, entry, tops)
        distributed.teardown(ctx)
        if not ctx.is_main:
            return 0
    report = layer_report(args.layer, _first_k(tops[args.layer], args.k), ReceptiveFields.of(network), args.channel)
    if args.json:
        print_json({**model_facts(network, args.model), "data": args.data, "dataset": fingerprint, **report})
        return 0
    for row in report["channels"]:
        cells = ", ".join(f"#{t['index']} {t['value']:.3f} at ({t['y']},{t['x']})" for t in row["top"])
        print(f"channel {row['channel']}: {cells}")
    where = f"; kept in {folder / 'insight'}" if folder else "; pass --store DIR to keep the results"
    print(
        f"{len(data)} images, receptive field {'×'.join(map(str, ReceptiveFields.of(network).size(args.layer)))}{where}"
    )
    return 0


def _first_k(top: Any, k: int) -> Any:
    from convscope.insight.topk import LayerTop

    return LayerTop(top.values[:, :k], top.index[:, :k], top.y[:, :k], top.x[:, :k])


# ---------------------------------------------------------------- attribute


def _add_attribute(p: argparse.ArgumentParser) -> None:
    from convscope.insight.attribution import Method

    p.add_argument("image", metavar="IMAGE", help="an image file")
    p.add_argument("--method", choices=[str(m) for m in Method], default="gradcam", help="attribution method")
    p.add_argument("--class", dest="target", type=int, metavar="C", help="class index (default: the predicted one)")
    p.add_argument("--layer", help="the layer Grad-CAM reads (default: the last spatial layer)")
    p.add_argument("--steps", type=_positive, default=32, help="integrated-gradients steps")
    p.add_argument("--baseline", choices=("zeros", "black", "blur", "uniform"), default="zeros", help="IG baseline")
    p.add_argument("--out", help="write the map over the image as a PNG")
    p.add_argument("--no-checks", action="store_true", help="skip the sanity and faithfulness checks")


def _attribute(args: argparse.Namespace) -> int:
    from convscope.inputs import load_image
    from convscope.insight.attribution import attribute
    from convscope.insight.trust import trust_report

    network = model_from_args(args)
    x = network.input_spec.preprocess(load_image(args.image))
    target = int(network.predict(x)[0].argmax()) if args.target is None else args.target
    result = attribute(network, x, target, args.method, layer=args.layer, steps=args.steps, baseline=args.baseline)
    checks = {} if args.no_checks else trust_report(network, x, result)
    if args.out:
        from convscope.insight.filters import write_png
        from convscope.insight.overlay import overlay_png

        write_png(args.out, overlay_png(network, x, result))
    if args.json:
        print_json({
            **model_facts(network, args.model),
            "method": str(result.method), "layer": result.layer, "class": target,
            "class_name": network.class_names[target], "settings": result.settings,
            "map": result.map.tolist(), **checks,
        })  # fmt: skip
        return 0
    print(
        f"{result.method} for class {target} ({network.class_names[target]})"
        + (f" at {result.layer}" if result.layer else "")
    )
    print(f"  map range {float(result.map.min()):.4g} … {float(result.map.max()):.4g}")
    if checks:
        s, f = checks["sanity"], checks["faithfulness"]
        flag = "  — does not depend on the learned weights" if s["flagged"] else ""
        print(f"  sanity check: rank correlation with randomised weights {s['correlation']:.3f}{flag}")
        print(f"  deletion area {f['deletion_area']:.3f} (random {f['random_deletion_area']:.3f}; lower is better)")
        print(f"  insertion area {f['insertion_area']:.3f} (random {f['random_insertion_area']:.3f}; higher is better)")
        if "completeness" in checks:
            c = checks["completeness"]
            print(
                f"  completeness: Σ attributions {c['sum']:.4f} vs f(x) − f(baseline) {c['difference']:.4f}, error {c['error']:.2e}"
            )
    if args.out:
        print(f"  written to {args.out}")
    return 0


# ---------------------------------------------------------------- visualize


def _add_visualize(p: argparse.ArgumentParser) -> None:
    p.add_argument("--layer", help="layer of the channel")
    p.add_argument("--channel", type=int, help="channel to excite")
    p.add_argument("--class", dest="target", type=int, metavar="C", help="or a class to excite")
    p.add_argument("--steps", type=_positive, default=128, help="optimisation steps")
    p.add_argument("--seed", type=int, default=0, help="random seed")
    p.add_argument("--parametrisation", choices=("fourier", "pixels"), default="fourier", help="image parametrisation")
    p.add_argument("--out", default="visualize.png", help="the PNG to write")


def _visualize(args: argparse.Namespace) -> int:
    from PIL import Image

    from convscope.insight.filters import write_png
    from convscope.insight.visualize import visualize

    network = model_from_args(args)
    result = visualize(
        network, layer=args.layer, channel=args.channel, target=args.target, steps=args.steps, seed=args.seed,
        parametrisation=args.parametrisation,
    )  # fmt: skip
    pixels = (result.pixels.permute(1, 2, 0) * 255).round().to(torch.uint8).numpy()
    image = Image.fromarray(pixels[..., 0] if pixels.shape[2] == 1 else pixels)
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    write_png(args.out, buffer.getvalue())
    if args.json:
        print_json({**model_facts(network, args.model), "layer": args.layer, "channel": args.channel,
                    "class": args.target, "steps": args.steps, "seed": args.seed, "curve": result.curve,
                    "final": result.final, "png": args.out})  # fmt: skip
        return 0
    print(f"objective {result.curve[0]:.4f} → {result.final:.4f} in {args.steps} steps; written to {args.out}")
    return 0


# ------------------------------------------------------------------ kernels


def _add_kernels(p: argparse.ArgumentParser) -> None:
    p.add_argument("image", metavar="IMAGE", nargs="?", help="an image to filter (default: none, only the comparison)")
    p.add_argument("--layer", help="the conv layer whose filters are compared (default: the first)")


def _kernels(args: argparse.Namespace) -> int:
    from convscope.insight.classic import classic_report, resemblance_report

    network = model_from_args(args)
    resemblance = resemblance_report(network, args.layer)
    outputs = []
    if args.image:
        from convscope.inputs import load_image

        x = network.input_spec.preprocess(load_image(args.image))[0]
        outputs = classic_report(x)
    if args.json:
        print_json({**model_facts(network, args.model), "filters": resemblance, "outputs": outputs})
        return 0
    for row in resemblance:
        print(f"filter {row['filter']}: most like {row['kernel']} (cosine {row['cosine']:+.3f})")
    for row in outputs:
        low, high = row["range"]
        print(f"{row['name']}: output range {low:.3f} … {high:.3f}")
    return 0
