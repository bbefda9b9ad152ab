"""Where each zoo architecture comes from, and its idea in a sentence or two.

The ideas are templates: every number in them is a named slot that
:mod:`convscope.compare` fills from the model's own layer records, so the text
can never drift from what the library counts.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Paper:
    """The publication an architecture is read from."""

    year: int
    authors: str
    title: str
    #: Our own words, with ``{slot}`` placeholders filled by :func:`convscope.compare.idea_text`.
    idea: str


PAPERS: dict[str, Paper] = {
    "lenet5": Paper(
        1998,
        "LeCun, Bottou, Bengio & Haffner",
        "Gradient-based learning applied to document recognition",
        "Two rounds of convolution and subsampling turn a {input} image into {flatten} numbers, "
        "and three dense layers read those; {dense_share} of its {params} parameters sit in the dense layers.",
    ),
    "alexnet": Paper(
        2012,
        "Krizhevsky, Sutskever & Hinton",
        "ImageNet classification with deep convolutional neural networks",
        "Five convolutions with ReLU and three big dense layers, trained on GPUs: the convolutions do "
        "{conv_mult_share} of the {mults} multiplications, while the dense layers hold {dense_share} "
        "of the {params} parameters.",
    ),
    "vgg16": Paper(
        2015,
        "Simonyan & Zisserman",
        "Very deep convolutional networks for large-scale image recognition",
        "Only 3×3 convolutions, {convs} of them in five stages: each 2×2 pool halves H and W while the "
        "channels double up to {max_channels}; the last {last_map} block flattens to {flatten} values, "
        "and the first dense layer alone holds {first_dense_params} of the {params} parameters.",
    ),
    "resnet18": Paper(
        2016,
        "He, Zhang, Ren & Sun",
        "Deep residual learning for image recognition",
        "Each block adds its input back to what its two convolutions compute, y = ReLU(F(x) + x), "
        "so a block only has to learn a correction; {residual_blocks} such blocks, {skips} of them with "
        "the input passed on unchanged, in {params} parameters.",
    ),
    "resnet34": Paper(
        2016,
        "He, Zhang, Ren & Sun",
        "Deep residual learning for image recognition",
        "ResNet-18's design with more blocks per stage: {residual_blocks} residual blocks "
        "(y = ReLU(F(x) + x)), {skips} of them with an unchanged shortcut, {params} parameters and "
        "{mults} multiplications.",
    ),
    "googlenet": Paper(
        2015,
        "Szegedy et al.",
        "Going deeper with convolutions",
        "{inception_modules} inception modules each run a 1×1 branch, two branches with bigger kernels and a "
        "pooling branch side by side and concatenate them along C; 1×1 convolutions shrink the channels "
        "before the bigger kernels, which keeps the whole network at {params} parameters (the paper's 5×5 "
        "branch is a 3×3 here, as in torchvision).",
    ),
    "tinyvgg": Paper(
        2020,
        "Wang et al.",
        "CNN Explainer: learning convolutional neural networks with interactive visualization",
        "A VGG in miniature for teaching: {convs} convolutions of 3×3 and two pools take a {input} image "
        "to {flatten} values for one dense layer; {params} parameters in all.",
    ),
}
