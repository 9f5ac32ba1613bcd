"""The loop version of the answer key: the notebook's solutions, with argument checks added.

The functions themselves live in ``notebook_solutions`` (generated from the source notebook);
this module only puts the shared ValueError checks in front of them.
"""
from . import notebook_solutions as _solutions
from .validate import validated

zero_pad = validated(_solutions.zero_pad)
conv_single_step = validated(_solutions.conv_single_step)
conv_forward = validated(_solutions.conv_forward)
pool_forward = validated(_solutions.pool_forward)
conv_backward = validated(_solutions.conv_backward)
create_mask_from_window = validated(_solutions.create_mask_from_window)
distribute_value = validated(_solutions.distribute_value)
pool_backward = validated(_solutions.pool_backward)
