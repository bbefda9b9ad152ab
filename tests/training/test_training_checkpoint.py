import pickle

import pytest
import torch

from convscope.errors import ConvScopeError
from convscope.training.checkpoint import load_checkpoint, save_checkpoint, write_atomic, write_json


def test_checkpoint_round_trips_tensors_and_numbers(tmp_path):
    state = {"model": {"w": torch.arange(6.0).view(2, 3)}, "epoch": 3, "history": [{"loss": 0.5}]}
    save_checkpoint(tmp_path / "c.pt", state)
    back = load_checkpoint(tmp_path / "c.pt")
    assert (
        torch.equal(back["model"]["w"], state["model"]["w"])
        and back["epoch"] == 3
        and back["history"] == [{"loss": 0.5}]
    )


def test_a_failed_write_keeps_the_previous_file_whole_and_leaves_no_temp(tmp_path):
    target = tmp_path / "metrics.json"
    write_json(target, {"epoch": 1})

    def explode(handle):
        handle.write(b"{half")
        raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        write_atomic(target, explode)
    assert target.read_text() == '{\n  "epoch": 1\n}\n'
    assert [p.name for p in tmp_path.iterdir()] == ["metrics.json"]


class Payload:
    def __reduce__(self):
        return (print, ("this must never run",))


def test_checkpoints_holding_arbitrary_objects_are_refused(tmp_path):
    path = tmp_path / "evil.pt"
    torch.save({"x": Payload()}, path, pickle_module=pickle)
    with pytest.raises(ConvScopeError, match="unreadable"):
        load_checkpoint(path)


def test_a_missing_checkpoint_is_a_user_error(tmp_path):
    with pytest.raises(ConvScopeError, match="no checkpoint"):
        load_checkpoint(tmp_path / "none.pt")
