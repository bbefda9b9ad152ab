"""``convscope models``, ``convscope download`` and ``--offline``: names, the cache, one-line failures."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from convscope.cli import main
from convscope.formats.download import registry
from tests.download_mirror import Mirror


def test_models_json_lists_every_downloadable_file_with_url_size_and_sha256(download_home: Path, capsys) -> None:
    assert main(["models", "--json", "--dir", str(download_home)]) == 0
    data = json.loads(capsys.readouterr().out)
    names = [row["name"] for row in data["downloadable"]]
    assert names == registry.list_downloads()
    assert {
        "vgg16-imagenet",
        "alexnet-imagenet",
        "resnet18-imagenet",
        "resnet34-imagenet",
        "googlenet-imagenet",
    } <= set(names)
    for row in data["downloadable"]:
        assert row["cached"] is False and row["files"]
        for file in row["files"]:
            assert set(file) >= {"url", "size", "sha256", "verified_by"}
    googlenet = next(r for r in data["downloadable"] if r["name"] == "googlenet-imagenet")["files"][0]
    assert googlenet["verified_by"] == "sha256 prefix" and googlenet["url"].endswith("googlenet-1378be20.pth")
    assert {"tinyvgg", "vgg16"} <= {row["name"] for row in data["zoo"]}
    assert data["local"][0]["name"] == "default" and data["cache"] == str(download_home)


def test_models_finds_local_model_folders_and_says_what_is_cached(tmp_path: Path, cnn_mirror: Mirror, capsys) -> None:
    from convscope.formats import save_model, zoo_network

    network = zoo_network("tinyvgg")
    save_model(tmp_path / "runs" / "mine" / "model", network.module, architecture=network.architecture,
               input_spec=network.input_spec, classes=None)  # fmt: skip
    assert main(["download", "cnn-explainer", "--quiet"]) == 0
    capsys.readouterr()
    assert main(["models", "--dir", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert str(tmp_path / "runs" / "mine" / "model") in out
    assert next(line for line in out.splitlines() if line.strip().startswith("cnn-explainer")).split()[1] == "cached"
    assert "553.4 MB to download" in next(line for line in out.splitlines() if "vgg16-imagenet" in line)


def test_download_fetches_once_and_a_second_run_makes_no_request(cnn_mirror: Mirror, capsys) -> None:
    assert main(["download", "cnn-explainer", "--json"]) == 0
    first = json.loads(capsys.readouterr().out)[0]
    requests = cnn_mirror.total_requests
    assert first["was_cached"] is False and Path(first["path"], "model.json").is_file() and requests > 0
    assert main(["download", "cnn-explainer"]) == 0
    assert "already cached" in capsys.readouterr().out and cnn_mirror.total_requests == requests


def test_download_of_an_unknown_name_exits_2_listing_the_valid_ones(download_home: Path, capsys) -> None:
    assert main(["download", "resnet-imagenet"]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and all(name in err for name in registry.list_downloads())
    assert not download_home.exists()


@pytest.mark.parametrize(
    "command", [["summary", "cnn-explainer"], ["download", "cnn-explainer"], ["serve", "-m", "cnn-explainer"]]
)
def test_offline_exits_2_saying_which_file_to_fetch_and_where(
    command: list[str], cnn_mirror: Mirror, download_home: Path, capsys
) -> None:
    assert main([*command, "--offline"]) == 2
    err = capsys.readouterr().err.strip()
    model_json = registry.downloads()["cnn-explainer"].files[0]
    assert "\n" not in err and err.startswith("convscope: error: offline")
    assert model_json.url in err and str(download_home / "downloads" / "cnn-explainer" / "model.json") in err
    assert cnn_mirror.total_requests == 0


def test_a_checksum_mismatch_exits_2_with_one_line(cnn_mirror: Mirror, download_home: Path, capsys) -> None:
    url = registry.downloads()["cnn-explainer"].files[1].url
    from urllib.parse import urlsplit

    cnn_mirror.files[urlsplit(url).path] = b"\0" * 79680
    assert main(["download", "cnn-explainer", "--quiet"]) == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "sha256" in err and not download_home.exists()


def test_summary_and_predict_say_when_weights_are_random(capsys, tmp_path: Path) -> None:
    from PIL import Image

    image = tmp_path / "x.png"
    Image.new("RGB", (64, 64), (200, 10, 10)).save(image)
    notice = "random weights — predictions are meaningless until trained"
    assert main(["summary", "tinyvgg"]) == 0
    assert notice in capsys.readouterr().err
    assert main(["predict", "tinyvgg", str(image), "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["notice"] == notice
    assert main(["summary", "tinyvgg", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["notice"] == notice
    assert main(["summary", "default"]) == 0
    assert notice not in capsys.readouterr().err


def test_the_offline_flag_does_not_outlive_the_command(cnn_mirror: Mirror) -> None:
    import os

    main(["summary", "default", "--offline"])
    assert "CONVSCOPE_OFFLINE" not in os.environ


def test_serve_model_cnn_explainer_downloads_it_with_its_own_gallery(cnn_mirror: Mirror) -> None:
    from convscope.cli import build_parser
    from convscope.cli.serve import build_server

    server = build_server(
        build_parser().parse_args(["serve", "--model", "cnn-explainer", "--model", "default", "--port", "0"])
    )
    service = server.config.app.state.service
    assert service.models.ids == ["cnn-explainer", "default"]
    assert len(service.samples.of("cnn-explainer")) == 21 and len(service.samples.of("default")) == 30
    assert "espresso_1" in service.samples.of("cnn-explainer") and "espresso_1" not in service.samples.of("default")
