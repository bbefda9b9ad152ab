"""Datasets for training and evaluation: Fashion-MNIST, class-per-folder images, augmentation."""

from convscope.data.augment import Augmentation
from convscope.data.fashion_mnist import CLASSES as FASHION_MNIST_CLASSES
from convscope.data.fashion_mnist import load_fashion_mnist
from convscope.data.folders import load_image_folder
from convscope.data.imageset import ImageSet, fit_arrays
from convscope.data.sources import load_dataset

__all__ = [
    "FASHION_MNIST_CLASSES",
    "Augmentation",
    "ImageSet",
    "fit_arrays",
    "load_dataset",
    "load_fashion_mnist",
    "load_image_folder",
]
