"""Part ``conv1x1_fc``'s mutants and honest variants. ``mutants.py`` and ``honest.py`` gather every
part's file and say what each must do."""

from variant_kinds import M, V

MUTANTS = [
    M("linear_to_conv_shares_weight", "conv1x1_fc.py",
      "        conv.weight.copy_(w.reshape(linear.out_features, linear.in_features, 1, 1))\n",
      "        conv.weight = nn.Parameter(w.view(linear.out_features, linear.in_features, 1, 1))\n",
      ("linear_to_conv1x1.per_pixel",), "the conv shares the linear layer's weight"),
    M("linear_to_conv_on_cpu", "conv1x1_fc.py",
      "        bias=linear.bias is not None,\n        device=w.device,\n",
      "        bias=linear.bias is not None,\n", ("device.conv1x1_fc",),
      "the conv is created on the default device"),
    M("linear_to_conv_drops_bias", "conv1x1_fc.py", "        bias=linear.bias is not None,\n"
      "        device=w.device,\n        dtype=w.dtype,\n    )\n    with torch.no_grad():\n"
      "        conv.weight", "        bias=False,\n        device=w.device,\n        dtype=w.dtype,"
      "\n    )\n    with torch.no_grad():\n        conv.weight", ("linear_to_conv1x1.per_pixel",),
      "forgets the bias"),
    M("conv_to_linear_drops_bias", "conv1x1_fc.py", "            linear.bias.copy_(conv.bias)\n",
      "            pass\n", ("conv1x1_to_linear.round_trip[3-to-5-with-bias]",
                            "conv1x1_to_linear.round_trip[1-to-7-float32]"),
      "leaves the linear layer's random bias"),
    M("conv_to_linear_wrong_dtype", "conv1x1_fc.py",
      "        bias=conv.bias is not None,\n        device=w.device,\n        dtype=w.dtype,\n",
      "        bias=conv.bias is not None,\n", ("conv1x1_to_linear.round_trip",),
      "nn.Linear in the default dtype", misconceptions=("default_float32",)),
    # placeholders: the right shape, dtype and device, no computation (issue 19): each fails its
    # part's value checks and every dtype and device check ("not judged: the value is wrong")
    M("conv1x1_placeholders", "conv1x1_fc.py", (
        "        conv.weight.copy_(w.reshape(linear.out_features, linear.in_features, 1, 1))\n"
        "        if linear.bias is not None:\n            conv.bias.copy_(linear.bias)\n",
        "        linear.weight.copy_(w.reshape(conv.out_channels, conv.in_channels))\n"
        "        if conv.bias is not None:\n            linear.bias.copy_(conv.bias)\n"),
      ("        pass\n", "        pass\n"),
      ("linear_to_conv1x1.per_pixel", "conv1x1_to_linear.round_trip", "conv1x1.dtype",
       "device.conv1x1_fc"),
      "layers of the right type, dtype and device that keep their random initialisation"),
]

VARIANTS = [
    V("conv1x1_view_copy_clone", "conv1x1_fc", '''
def linear_to_conv1x1(linear):
    if not isinstance(linear, nn.Linear):
        raise TypeError(f"expected nn.Linear, got {type(linear).__name__}")
    o, i = linear.weight.shape
    conv = nn.Conv2d(i, o, kernel_size=1, bias=linear.bias is not None).to(linear.weight)
    with torch.no_grad():
        conv.weight.copy_(linear.weight.view(o, i, 1, 1))
        if linear.bias is not None:
            conv.bias.copy_(linear.bias)
    return conv


def conv1x1_to_linear(conv):
    if not isinstance(conv, nn.Conv2d):
        raise TypeError(f"expected nn.Conv2d, got {type(conv).__name__}")
    plain = (
        tuple(conv.kernel_size) == (1, 1)
        and tuple(conv.stride) == (1, 1)
        and tuple(conv.dilation) == (1, 1)
        and conv.groups == 1
        and (conv.padding in ("valid", (0, 0)))
    )
    if not plain:
        raise ValueError("only a plain 1x1 convolution is a per-pixel linear layer")
    o, i = conv.out_channels, conv.in_channels
    linear = nn.Linear(i, o, bias=conv.bias is not None)
    linear.weight = nn.Parameter(conv.weight.detach().reshape(o, i).clone())
    if conv.bias is not None:
        linear.bias = nn.Parameter(conv.bias.detach().clone())
    return linear
''', "weight.view(o, i, 1, 1) + copy_ under no_grad into a layer moved with .to(weight); "
       "the reverse by new Parameters from reshape(...).clone()"),
    V("conv1x1_load_state_dict", "conv1x1_fc", '''
def linear_to_conv1x1(linear):
    if not isinstance(linear, nn.Linear):
        raise TypeError(f"expected nn.Linear, got {type(linear).__name__}")
    w = linear.weight
    conv = nn.Conv2d(linear.in_features, linear.out_features, 1,
                     bias=linear.bias is not None, device=w.device, dtype=w.dtype)
    shapes = {name: p.shape for name, p in conv.state_dict().items()}
    conv.load_state_dict({name: t.reshape(shapes[name])
                          for name, t in linear.state_dict().items()})
    return conv


def conv1x1_to_linear(conv):
    if not isinstance(conv, nn.Conv2d):
        raise TypeError(f"expected nn.Conv2d, got {type(conv).__name__}")
    plain = (
        tuple(conv.kernel_size) == (1, 1)
        and tuple(conv.stride) == (1, 1)
        and tuple(conv.dilation) == (1, 1)
        and conv.groups == 1
        and (conv.padding in ("valid", (0, 0)))
    )
    if not plain:
        raise ValueError("only a plain 1x1 convolution is a per-pixel linear layer")
    w = conv.weight
    linear = nn.Linear(conv.in_channels, conv.out_channels, bias=conv.bias is not None,
                       device=w.device, dtype=w.dtype)
    linear.load_state_dict({name: t.flatten(1) if t.dim() == 4 else t
                            for name, t in conv.state_dict().items()})
    return linear
''', "conversion through state_dict() and load_state_dict (which copies)"),
    V("conv1x1_d2l_data_assign", "conv1x1_fc", '''
def linear_to_conv1x1(linear):
    if not isinstance(linear, nn.Linear):
        raise TypeError(f"expected nn.Linear, got {type(linear).__name__}")
    conv = nn.Conv2d(linear.in_features, linear.out_features, kernel_size=1,
                     bias=linear.bias is not None)
    conv.weight.data = linear.weight.data.clone().unsqueeze(-1).unsqueeze(-1)
    if linear.bias is not None:
        conv.bias.data = linear.bias.data.clone()
    return conv
''', "d2l 6.2.4's idiom: conv.weight.data = ... (a cloned, unsqueezed copy), which takes the "
       "copy's dtype and device"),
]
