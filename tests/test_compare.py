"""``convscope.compare``: totals and the parameter split against PyTorch's own modules; ideas quote only counted numbers."""

from __future__ import annotations

import re

import pytest
from torch import nn

from convscope.compare import Facts, format_comparison
from convscope.formats import zoo_network
from convscope.zoo import list_models
from convscope.zoo.papers import PAPERS

#: Small inputs keep the big networks quick; the counts that matter here do not depend on them.
SMALL = {"alexnet": {}, "vgg16": {"input_size": 32}, "googlenet": {"input_size": 32}}


def _split_by_pytorch(module: nn.Module) -> tuple[int, int]:
    conv = sum(p.numel() for m in module.modules() if isinstance(m, nn.Conv2d) for p in m.parameters())
    dense = sum(p.numel() for m in module.modules() if isinstance(m, nn.Linear) for p in m.parameters())
    return conv, dense


@pytest.mark.parametrize("model", list_models())
def test_parameter_split_matches_pytorchs_conv_and_linear_modules(model):
    network = zoo_network(model, **SMALL.get(model, {}))
    facts = Facts.of(network)
    assert (facts.conv_params, facts.dense_params) == _split_by_pytorch(network.module)
    assert facts.conv_params + facts.dense_params + facts.other_params == sum(
        p.numel() for p in network.module.parameters()
    )
    assert facts.mults == sum(layer["mults"] for layer in facts.to_dict()["layers"])


def test_every_zoo_model_has_a_paper_and_an_idea():
    assert set(PAPERS) == set(list_models())


@pytest.mark.parametrize("model", list_models())
def test_every_number_an_idea_quotes_is_one_of_its_counted_slots(model):
    facts = Facts.of(zoo_network(model, **SMALL.get(model, {})))
    idea = facts.idea
    assert idea and "{" not in idea
    template_numbers = set(re.findall(r"\d[\d,.]*%?", PAPERS[model].idea))  # digits typed into the prose itself
    quoted = set(re.findall(r"\d[\d,.]*%?", idea)) - template_numbers
    slot_numbers = {n for v in facts.slots.values() for n in re.findall(r"\d[\d,.]*%?", v)}
    assert quoted <= slot_numbers


def test_vgg16_idea_quotes_the_flattened_block_and_the_first_dense_layer():
    facts = Facts.of(zoo_network("vgg16"))
    assert facts.slots["last_map"] == "512×7×7" and facts.slots["flatten"] == "25,088"
    assert facts.slots["first_dense_params"] == f"{25088 * 4096 + 4096:,}"
    assert "25,088" in str(facts.idea) and "138,357,544" in str(facts.idea)


def test_resnet18_idea_counts_eight_blocks_five_of_them_identity():
    facts = Facts.of(zoo_network("resnet18", input_size=32))
    assert (facts.slots["residual_blocks"], facts.slots["skips"]) == ("8", "5")


def test_comparison_table_has_one_column_per_model():
    table = format_comparison([Facts.of(zoo_network("lenet5")), Facts.of(zoo_network("tinyvgg"))])
    lines = table.splitlines()
    assert lines[0].split() == ["lenet5", "tinyvgg"]
    assert next(line for line in lines if line.startswith("parameters")).split() == ["parameters", "61,706", "19,920"]
    assert "lenet5: Two rounds" in table
