import numpy as np
import pytest
from PIL import Image

from convscope.data import load_image_folder
from convscope.errors import ConvScopeError
from convscope.inputs import InputSpec


def save(path, size, mode, value):
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.new(mode, size, value).save(path)


@pytest.fixture
def folder(tmp_path):
    save(tmp_path / "cats" / "a.png", (40, 30), "RGB", (200, 10, 10))
    save(tmp_path / "cats" / "b.jpg", (16, 16), "L", 90)
    save(tmp_path / "dogs" / "c.png", (8, 64), "RGBA", (0, 0, 255, 255))
    (tmp_path / "dogs" / "broken.png").write_bytes(b"not a png at all")
    (tmp_path / "dogs" / "notes.txt").write_text("ignored: not an image suffix")
    return tmp_path


def test_classes_are_the_sorted_folder_names_and_images_fit_the_spec(folder):
    data = load_image_folder(folder, InputSpec(3, 12, 12))
    assert data.classes == ("cats", "dogs")
    assert data.images.shape == (3, 3, 12, 12)
    assert data.labels.tolist() == [0, 0, 1]


def test_pixels_are_what_the_input_spec_makes_of_each_file(folder):
    spec = InputSpec(1, 12, 12)
    data = load_image_folder(folder, spec)
    expected = np.asarray(spec.fit_image(Image.open(folder / "cats" / "a.png")))
    np.testing.assert_array_equal(data.images[0, 0].numpy(), expected)


def test_unreadable_files_are_skipped_and_reported(folder):
    data = load_image_folder(folder, InputSpec(3, 12, 12))
    assert data.skipped == (str(folder / "dogs" / "broken.png"),)


def test_an_empty_folder_is_a_one_line_error(tmp_path):
    (tmp_path / "empty_class").mkdir()
    with pytest.raises(ConvScopeError, match="no images") as info:
        load_image_folder(tmp_path, InputSpec(1, 8, 8))
    assert "\n" not in str(info.value)


def test_a_single_class_is_a_one_line_error(tmp_path):
    save(tmp_path / "only" / "a.png", (8, 8), "L", 1)
    with pytest.raises(ConvScopeError, match="only one class"):
        load_image_folder(tmp_path, InputSpec(1, 8, 8))


def test_a_class_whose_images_are_all_unreadable_is_refused_by_name(tmp_path):
    save(tmp_path / "good" / "a.png", (8, 8), "L", 1)
    (tmp_path / "bad").mkdir()
    (tmp_path / "bad" / "x.png").write_bytes(b"\x89PNG broken")
    with pytest.raises(ConvScopeError, match="no readable image in the class folder bad "):
        load_image_folder(tmp_path, InputSpec(1, 8, 8))


def test_a_missing_folder_is_a_user_error(tmp_path):
    with pytest.raises(ConvScopeError, match="does not exist"):
        load_image_folder(tmp_path / "nope", InputSpec(1, 8, 8))
