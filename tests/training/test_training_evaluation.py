import pytest
import torch
import torch.nn.functional as F
from torch import nn

from convscope.data import ImageSet
from convscope.inputs import InputSpec
from convscope.training.evaluation import EVAL_BATCH, evaluate, write_confusion_png


@pytest.fixture
def case():
    generator = torch.Generator().manual_seed(0)
    n = EVAL_BATCH + 37  # more than one batch, the last one partial
    images = torch.randint(0, 256, (n, 1, 6, 6), generator=generator, dtype=torch.uint8)
    labels = torch.randint(0, 4, (n,), generator=generator)
    torch.manual_seed(0)
    module = nn.Sequential(nn.Conv2d(1, 3, 3), nn.ReLU(), nn.Flatten(), nn.Dropout(0.5), nn.Linear(48, 4)).train()
    spec = InputSpec(1, 6, 6, mean=(0.5,), std=(0.25,))
    return module, ImageSet(images, labels, ("a", "b", "c", "d")), spec


def test_loss_and_confusion_match_one_big_forward_pass(case):
    module, data, spec = case
    result = evaluate(module, data, spec, label_smoothing=0.1)
    with torch.no_grad():
        logits = module.eval()((data.images.float() / 255 - 0.5) / 0.25)
    expected = torch.zeros(4, 4, dtype=torch.long)
    for t, p in zip(data.labels.tolist(), logits.argmax(1).tolist(), strict=True):
        expected[t, p] += 1
    assert torch.equal(result.confusion, expected)
    assert result.loss == pytest.approx(float(F.cross_entropy(logits, data.labels, label_smoothing=0.1)), rel=1e-5)
    assert result.accuracy == float(expected.diagonal().sum()) / len(data)


def test_evaluation_runs_in_eval_mode_and_restores_the_training_mode(case):
    module, data, spec = case
    module.train()
    first = evaluate(module, data, spec)
    assert module.training
    assert torch.equal(evaluate(module, data, spec).confusion, first.confusion)  # dropout was off


def test_per_class_accuracy_is_none_for_a_class_without_images(case):
    module, data, spec = case
    subset = data.subset(torch.nonzero(data.labels != 3).flatten())
    result = evaluate(module, subset, spec)
    assert result.per_class_accuracy()["d"] is None
    row = result.confusion[0]
    assert result.per_class_accuracy()["a"] == pytest.approx(float(row[0]) / float(row.sum()))


def test_confusion_png_is_written(case, tmp_path):
    module, data, spec = case
    write_confusion_png(tmp_path / "c.png", evaluate(module, data, spec))
    assert (tmp_path / "c.png").read_bytes()[:4] == b"\x89PNG"
