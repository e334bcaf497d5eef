"""Convolutions: the assignment on d2l chapter 6.1 and 6.2, one module per part.

==================  ====================================================================
part id             names
==================  ====================================================================
cross_correlation   corr2d
conv2d_backward     Corr2dFunction, Conv2D, learn_kernel
conv_as_matmul      im2col, corr2d_matmul, kernel_matrix
conv1x1_fc          linear_to_conv1x1, conv1x1_to_linear
derivative_kernels  finite_difference_kernel, second_derivative_kernel, integral_kernel,
                    min_kernel_size
audio_conv1d        corr1d, corr1d_multi_in, corr1d_multi_in_out, AudioConvNet
text_conv           TextCNN
concepts            (module ``convolutions.concepts``, optional)
==================  ====================================================================
"""

from .audio_conv1d import AudioConvNet, corr1d, corr1d_multi_in, corr1d_multi_in_out
from .conv1x1_fc import conv1x1_to_linear, linear_to_conv1x1
from .conv2d_backward import Conv2D, Corr2dFunction, learn_kernel
from .conv_as_matmul import corr2d_matmul, im2col, kernel_matrix
from .cross_correlation import corr2d
from .derivative_kernels import (
    finite_difference_kernel,
    integral_kernel,
    min_kernel_size,
    second_derivative_kernel,
)
from .text_conv import TextCNN

__all__ = [
    "AudioConvNet",
    "Conv2D",
    "Corr2dFunction",
    "TextCNN",
    "conv1x1_to_linear",
    "corr1d",
    "corr1d_multi_in",
    "corr1d_multi_in_out",
    "corr2d",
    "corr2d_matmul",
    "finite_difference_kernel",
    "im2col",
    "integral_kernel",
    "kernel_matrix",
    "learn_kernel",
    "linear_to_conv1x1",
    "min_kernel_size",
    "second_derivative_kernel",
]
