"""Part ``concepts``'s mutants. ``mutants.py`` gathers every part's file and says what each must
do."""

from variant_kinds import M

MUTANTS = [
    M("concepts_wrong", "concepts.py", '    return "b"\n', '    return "a"\n',
      ("concepts.answer[transposed_edge_response]",), "a wrong multiple-choice answer"),
    M("concepts_fc_unsquared", "concepts.py", "    return 10**12\n", "    return 10**6\n",
      ("concepts.answer[fc_parameter_count]",), "counts inputs, not input-output pairs"),
    M("concepts_receptive_field", "concepts.py", "    return 2 * num_layers + 1\n",
      "    return 3 * num_layers\n", ("concepts.answer[receptive_field]",),
      "adds kernel widths"),
    M("concepts_shape_no_plus_one", "concepts.py",
      "    return ((28 + 4 - 5) // 3 + 1, (31 + 2 - 4) // 2 + 1)\n",
      "    return ((28 + 4 - 5) // 3, (31 + 2 - 4) // 2)\n", ("concepts.answer[output_shape]",),
      "forgets the + 1"),
    M("concepts_wrong_type", "concepts.py", "    return 21 * 21\n", "    return 441.0\n",
      ("concepts.answer[conv_parameter_count]",), "a float where an int is asked"),
]
