"""More bad problem files, in the kinds graph, rnn, gan and conv-inversion: arithmetic that is
undefined (division by zero, log of zero or of a negative number), empty sequences, huge sizes,
missing, unknown and wrongly typed fields, ragged and mismatched shapes, and the solver's own
refusals. Each must give one clean message naming the file, the line and the field (the
``# <-`` mark, as in ``tests/test_bad_specs.py``), exit 3, no traceback and no output file.

Also: float overflow in ``--numeric`` mode, unsolvable and underdetermined conv-inversion problems,
and sizes that must be answered (or refused) fast.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import pytest
from helpers import run_cli, warm_up_cli
from helpers.bad_specs import EXIT_BAD_SPEC, Bad, assert_one_clean_error, case, check_bad_spec

# 100 rows of 101 entries: just over the 10,000 entries a matrix may have
HUGE_MATRIX = "[" + ", ".join(["[" + ", ".join(["1"] * 101) + "]"] * 100) + "]"

MORE_BAD_SPECS = [
    case('kind: graph\ntitle: T\ngiven:\n  x: 1/0  # <-\nequations:\n  - L = x * 2\n', 'given.x', 'division by zero', id='graph-div-zero-given'),
    case('kind: graph\ntitle: T\ngiven:\n  x: 1\n  y: 2\nequations:\n  - L = x / (y - y)  # <-\n', 'equations[0]', "'L = x / (y - y)'", 'division by zero', id='graph-div-zero-equation'),
    case('kind: graph\ntitle: T\ngiven:\n  x: 3\nequations:\n  - L = log(x - x)  # <-\n', 'equations[0]', 'log(x − x)', 'log of 0 (not positive)', id='graph-log-zero'),
    case('kind: graph\ntitle: T\ngiven:\n  x: 3\nequations:\n  - L = log(-x)  # <-\n', 'equations[0]', 'log of -3 (not positive)', id='graph-log-negative'),
    case('kind: graph\ntitle: T\ngiven:\n  x: ln(-2)  # <-\nequations:\n  - L = x * 2\n', 'given.x', 'log of a negative number (-2) is not real', id='graph-log-negative-given'),
    case('kind: graph\ntitle: T\ngiven:\n  W: ' + HUGE_MATRIX + '  # <-\nequations:\n  - L = sum(W)\n', 'given.W', 'the givens have more than 10,000 entries in all', id='graph-huge-matrix'),
    case('kind: graph\ntitle: T\ngiven:  # <-\n  x: 1\n', 'equations', 'missing required field', line=1, id='graph-missing-equations'),
    case('kind: graph\ntitle: T\nequations:  # <-\n  - L = 1\n', 'given', 'missing required field', line=1, id='graph-missing-given'),
    case('kind: graph\ntitle: T\ngiven:\n  x: 1\nequations:\n  - L = x * 2\nlearning_rate: 1  # <-\n', 'learning_rate', 'unknown field', 'allowed: kind, title, given, symbols, equations', id='graph-unknown-field'),
    case('kind: graph\ntitle: T\ngiven:\n  x: 1\nequations: L = x * 2  # <-\n', 'equations', 'expected a list', "got 'L = x * 2'", id='graph-equations-not-list'),
    case('kind: graph\ntitle: T\ngiven:\n  x: 1\nequations: []  # <-\n', 'equations', 'expected at least one equation', id='graph-equations-empty'),
    case('kind: graph\ntitle: T\ngiven:\n  x: 1\nequations:\n  - 5  # <-\n', 'equations[0]', 'string', 'got 5', id='graph-equation-number'),
    case('kind: graph\ntitle: T\ngiven:\n  x: 1\nequations:\n  - x * 2  # <-\n', 'equations[0]', "expected 'name = expression'", "got 'x * 2'", id='graph-equation-no-equals'),
    case('kind: graph\ntitle: T\ngiven:\n  x: 1\nequations:\n  - L = softplus(x)  # <-\n', 'equations[0]', "unknown function 'softplus'", '(known: ', 'bce, bce_logits', id='graph-unknown-function'),
    case('kind: graph\ntitle: T\ngiven:\n  x: 1\nequations:\n  - L = x * y  # <-\n', 'equations[0]', "unknown name 'y'", 'not given and not defined', id='graph-unknown-name'),
    case('kind: graph\ntitle: T\ngiven:\n  x: 1\nequations:\n  - x = 2 * 3  # <-\n', 'equations[0]', "'x' is already defined by a given value", id='graph-redefined'),
    case('kind: graph\ntitle: T\ngiven:\n  W: [[1, 2], [3]]  # <-\nequations:\n  - L = sum(W)\n', 'given.W', 'ragged matrix', 'row 0 has 2 entries but row 1 has 1', id='graph-ragged-matrix'),
    case('kind: graph\ntitle: T\ngiven:\n  W: []  # <-\nequations:\n  - L = sum(W)\n', 'given.W', 'expected a matrix', 'got an empty list', id='graph-empty-matrix'),
    case('kind: graph\ntitle: T\ngiven:\n  W: [[], []]  # <-\nequations:\n  - L = sum(W)\n', 'given.W', 'row 0 is empty', id='graph-empty-row'),
    case('kind: graph\ntitle: T\ngiven:\n  W: [[1, 2], [3, 4]]\n  x: [1, 2, 3]\nequations:\n  - L = sum(W @ x)  # <-\n', 'equations[0]', "'@' needs the columns of the left (2×2) to match the rows of the right (3×1)", id='graph-matmul-mismatch'),
    case('kind: graph\ntitle: T\ngiven:\n  a: [1, 2]\n  b: [1, 2, 3]\nequations:\n  - L = sum(a + b)  # <-\n', 'equations[0]', "'+' needs equal shapes", 'got 2×1 and 3×1', id='graph-add-mismatch'),
    case('kind: graph\ntitle: T\ngiven:\n  p: [1, 2]\nequations:\n  - L = p[5]  # <-\n', 'equations[0]', 'index [5] is outside a 2×1 value', id='graph-index-out-of-range'),
    case('kind: graph\ntitle: T\ngiven:\n  x: 1\nequations:\n  - L = relu(x, x)  # <-\n', 'equations[0]', 'relu takes 1 argument, got 2', id='graph-wrong-arity'),
    case('kind: graph\ntitle: T\ngiven:\n  x: true  # <-\nequations:\n  - L = x * 2\n', 'given.x', 'expected a number', 'True', id='graph-given-bool'),
    case('kind: graph\ntitle: T\ngiven:\n  x:  # <-\nequations:\n  - L = x * 2\n', 'given.x', 'expected a number', 'null', id='graph-given-null'),
    case('kind: graph\ntitle: T\ngiven:\n  x: {a: 1}  # <-\nequations:\n  - L = x * 2\n', 'given.x', 'expected a number', 'a mapping', id='graph-given-mapping'),
    case('kind: graph\ntitle: T\ngiven:\n  x: 1\nequations:\n  - L = x * 2\nloss: M  # <-\n', 'loss', "unknown name 'M'", id='graph-loss-unknown'),
    case('kind: graph\ntitle: T\ngiven:\n  x: 1\nequations:\n  - L = x * 2\nloss: [L]  # <-\n', 'loss', 'string', "['L']", id='graph-loss-list'),
    case('kind: graph\ntitle: T\ngiven:\n  x: 1\nequations:\n  - L = x * 2\nwrt: [z]  # <-\n', 'wrt[0]', "unknown name 'z'", id='graph-wrt-unknown'),
    case('kind: graph\ntitle: T\ngiven:\n  x: 1\nequations:\n  - L = x * 2\nwrt: 5  # <-\n', 'wrt', 'expected a list', 'got 5', id='graph-wrt-not-list'),
    case('kind: graph\ntitle: T\ngiven:\n  x: [1, 2]\nequations:\n  - L = x * 2\nwrt: [x]  # <-\n', 'loss', 'the loss must be a scalar', 'L is 2×1', line=1, id='graph-loss-not-scalar'),
    case('kind: graph\ntitle: T\ngiven:\n  x: 1\nequations:\n  - L = x * x\nupdate:\n  lr: fast  # <-\n', 'update.lr', "unknown name 'fast'", id='graph-lr-text'),
    case('kind: graph\ntitle: T\ngiven:\n  x: 1\nequations:\n  - L = x * x\nupdate:\n  lr: [1]  # <-\n', 'update.lr', 'expected a number', 'a list', id='graph-lr-list'),
    case('kind: graph\ntitle: T\ngiven:\n  x: 1\nequations:\n  - L = x * x\nupdate:\n  lr: 1\n  momentum: 0.9  # <-\n', 'update.momentum', 'unknown field', id='graph-update-unknown-field'),
    case('kind: graph\ntitle: T\ngiven:\n  x: 1\n  w: 2\nequations:\n  - L = (w * x) ** 2\nupdate:\n  lr: 1\n  data: []  # <-\n', 'update.data', 'non-empty list of observations', 'got an empty list', id='graph-update-data-empty'),
    case('kind: graph\ntitle: T\ngiven:\n  x: 1\n  w: 2\nequations:\n  - L = (w * x) ** 2\nupdate:\n  lr: 1\n  mode: adam  # <-\n', 'update.mode', "'sequential' or 'batch'", "got 'adam'", id='graph-update-mode'),
    case('kind: graph\ntitle: T\ngiven:\n  x: 1\nequations:\n  - L = x * x\nlayout: rows  # <-\n', 'layout', "'gradient' or 'jacobian'", "got 'rows'", id='graph-layout'),
    case('kind: graph\ntitle: T\ngiven:\n  x: 1\nsymbols: a  # <-\nequations:\n  - L = x * a\n', 'symbols', 'expected a list', "got 'a'", id='graph-symbols-not-list'),
    case('kind: graph\ntitle: T\ngiven:\n  x: [1, 2, 3]\n  w: [1, 1]\nequations:\n  - L = sum(conv1d(x, w, stride=0))  # <-\n', 'equations[0]', 'conv1d()', 'stride and dilation must be at least 1', id='graph-conv-bad-setting'),
    case('kind: graph\ntitle: T\ngiven:\n  x: [1, 2]\n  w: [1, 1, 1]\nequations:\n  - L = sum(conv1d(x, w))  # <-\n', 'equations[0]', 'kernel 3×1', 'does not fit the padded input 2×1', id='graph-conv-kernel-too-large'),
    case('kind: rnn\ntitle: T\ngiven:  # <-\n  cell: rnn\n  W_hh: [[1]]\n  W_xh: [[1]]\n', 'given.x', 'missing required field', id='rnn-missing-x'),
    case('kind: rnn\ntitle: T\ngiven:\n  cell: rnn\n  W_hh: [[1]]\n  W_xh: [[1]]\n  x: []  # <-\n', 'given.x', 'non-empty list', 'got an empty list', id='rnn-empty-x'),
    case('kind: rnn\ntitle: T\ngiven:\n  cell: rnn\n  W_hh: [[1]]\n  W_xh: [[1, 1]]\n  x: [[1, 2], [1]]  # <-\n', 'given.x', 'every x_t must have the same size', 'x_2 has 1', id='rnn-x-ragged'),
    case('kind: rnn\ntitle: T\ngiven:\n  cell: rnn\n  W_hh: [[1]]\n  W_xh: [[1, 1]]  # <-\n  x: [[1, 2, 3]]\n', 'given.W_xh', 'expected a 1×3 matrix', 'got 1×2', id='rnn-x-wrong-size'),
    case('kind: rnn\ntitle: T\ngiven:\n  cell: rnn\n  W_hh: [[1, 2]]  # <-\n  W_xh: [[1]]\n  x: [1]\n', 'given.W_hh', 'expected a 2×2 matrix', 'got 1×2', id='rnn-whh-not-square'),
    case('kind: rnn\ntitle: T\ngiven:\n  cell: transformer  # <-\n  W_hh: [[1]]\n  W_xh: [[1]]\n  x: [1]\n', 'given.cell', "'rnn', 'lstm' or 'gru'", "got 'transformer'", id='rnn-unknown-cell'),
    case('kind: rnn\ntitle: T\ngiven:\n  cell: rnn\n  activation: gelu  # <-\n  W_hh: [[1]]\n  W_xh: [[1]]\n  x: [1]\n', 'given.activation', "'sigmoid', 'tanh' or 'relu'", "got 'gelu'", id='rnn-unknown-activation'),
    case('kind: rnn\ntitle: T\ngiven:\n  cell: rnn\n  W_hh: [[1]]\n  W_xh: [[1]]\n  x: [1]\n  W_zz: [[1]]  # <-\n', 'given.W_zz', 'unknown field', id='rnn-unknown-field'),
    case('kind: rnn\ntitle: T\ngiven:\n  cell: lstm\n  W_ih: [[1], [1], [1]]\n  W_hh: [[1], [1], [1]]  # <-\n  x: [1]\n', 'given.W_hh', 'expected 4·1 = 4 rows', 'got 3', id='rnn-lstm-wrong-rows'),
    case('kind: rnn\ntitle: T\ngiven:\n  cell: rnn\n  W_hh: [[1]]\n  W_xh: [[1]]\n  x: [1]\nloss: L = h9 * 2  # <-\n', 'loss', "unknown name 'h9'", id='rnn-loss-unknown-name'),
    case('kind: rnn\ntitle: T\ngiven:\n  cell: rnn\n  activation: relu\n  W_hh: [[1]]\n  W_xh: [[1]]\n  x: [0]\nloss: L = log(h1)  # <-\n', 'loss', 'log(h1)', 'log of 0', id='rnn-loss-log-zero'),
    case('kind: rnn\ntitle: T\ngiven:\n  cell: rnn\n  W_hh: [[1]]\n  W_xh: [[1]]\n  b_h: [1, 2]  # <-\n  x: [1]\n', 'given.b_h', 'one bias per hidden unit', 'got 2×1', id='rnn-bias-wrong-size'),
    case('kind: rnn\ntitle: T\ngiven:\n  cell: rnn\n  W_hh: identity  # <-\n  W_xh: [[1]]\n  x: [1]\n', 'given.W_hh', 'expected a matrix', "got 'identity'", id='rnn-whh-text'),
    case('kind: rnn\ntitle: T\ngiven:\n  cell: rnn\n  W_hh: [[1]]\n  W_xh: [[1]]\n  x: [1]\nloss: L = sum(h1)\nwrt: [W_qq]  # <-\n', 'wrt[0]', "unknown parameter 'W_qq'", 'W_hh, W_xh', id='rnn-wrt-unknown'),
    case('kind: rnn\ntitle: T\ngiven:\n  cell: rnn\n  W_hh: [[1]]\n  W_xh: [[1]]\n  x: [1]\n  targets: {ℯ: 1}  # <-\nloss: L = sum(h1)\n', 'given.targets', "'ℯ' cannot name a target", 'plain ASCII names only', id='rnn-target-non-ascii'),
    case('kind: rnn\ntitle: T\ngiven:\n  cell: rnn\n  W_hh: [[1/0]]  # <-\n  W_xh: [[1]]\n  x: [1]\n', 'given.W_hh', 'entry [0][0]', 'division by zero', id='rnn-div-zero'),
    case('kind: gan\ntitle: T\ngiven:  # <-\n  discriminator:\n    - {weights: [[1, -1], [0.5, 0.5]], activation: leaky_relu, slope: 0.2}\n    - {weights: [1, -1], activation: sigmoid}\n  noise: [-0.5, 0.5]\n  data: [[0, 0], [1, 1]]\n  lr: 1\n', 'given.generator', 'missing required field', id='gan-missing-generator'),
    case('kind: gan\ntitle: T\ngiven:\n  generator: []  # <-\n  discriminator:\n    - {weights: [[1, -1], [0.5, 0.5]], activation: leaky_relu, slope: 0.2}\n    - {weights: [1, -1], activation: sigmoid}\n  noise: [-0.5, 0.5]\n  data: [[0, 0], [1, 1]]\n  lr: 1\n', 'given.generator', 'expected at least one layer', id='gan-empty-generator'),
    case('kind: gan\ntitle: T\ngiven:\n  generator:\n    - {weights: [[1], [-1]], activation: relu}\n  discriminator:\n    - {weights: [[1, -1], [0.5, 0.5]], activation: leaky_relu, slope: 0.2}\n    - {weights: [1, -1], activation: sigmoid}\n  noise: []  # <-\n  data: [[0, 0], [1, 1]]\n  lr: 1\n', 'given.noise', 'non-empty list of samples', 'got an empty list', id='gan-empty-noise'),
    case('kind: gan\ntitle: T\ngiven:\n  generator:\n    - {weights: [[1], [-1]], activation: relu}\n  discriminator:\n    - {weights: [[1, -1], [0.5, 0.5]], activation: leaky_relu, slope: 0.2}\n    - {weights: [1, -1], activation: sigmoid}\n  noise: [-0.5, 0.5]\n  data: []  # <-\n  lr: 1\n', 'given.data', 'non-empty list of samples', 'got an empty list', id='gan-empty-data'),
    case('kind: gan\ntitle: T\ngiven:\n  generator:\n    - {weights: [[1], [-1]], activation: relu}\n  discriminator:\n    - {weights: [[1, -1], [0.5, 0.5]], activation: leaky_relu, slope: 0.2}\n    - {weights: [1, -1], activation: sigmoid}\n  noise: [-0.5, 0.5]\n  data: [[0, 0], [1]]  # <-\n  lr: 1\n', 'given.data', 'every sample must have the same size', 'sample 2 has 1', id='gan-data-ragged'),
    case('kind: gan\ntitle: T\ngiven:\n  generator:\n    - {weights: [[1], [-1]], activation: relu}  # <-\n  discriminator:\n    - {weights: [[1, -1], [0.5, 0.5]], activation: leaky_relu, slope: 0.2}\n    - {weights: [1, -1], activation: sigmoid}\n  noise: [-0.5, 0.5]\n  data: [[0, 0, 0], [1, 1, 1]]\n  lr: 1\n', 'given.generator[0].weights', 'generator outputs 2 entries but the real samples have 3', line=5, id='gan-data-wrong-size'),
    case('kind: gan\ntitle: T\ngiven:\n  generator:\n    - {weights: [[1], [-1]], activation: relu}\n  discriminator:\n    - {weights: [[1, -1], [0.5, 0.5]], activation: leaky_relu, slope: 0.2}\n    - {weights: [1, -1, 2], activation: sigmoid}  # <-\n  noise: [-0.5, 0.5]\n  data: [[0, 0], [1, 1]]\n  lr: 1\n', 'given.discriminator[1].weights', 'expected 2 columns', 'got 1×3', id='gan-shape-mismatch'),
    case('kind: gan\ntitle: T\ngiven:\n  generator:\n    - {weights: [[1], [-1]], activation: swish}  # <-\n  discriminator:\n    - {weights: [[1, -1], [0.5, 0.5]], activation: leaky_relu, slope: 0.2}\n    - {weights: [1, -1], activation: sigmoid}\n  noise: [-0.5, 0.5]\n  data: [[0, 0], [1, 1]]\n  lr: 1\n', 'given.generator[0].activation', "'relu', 'leaky_relu'", "got 'swish'", id='gan-unknown-activation'),
    case('kind: gan\ntitle: T\ngiven:\n  generator:\n    - {weights: [[1], [-1]], activation: relu}\n  discriminator:\n    - {weights: [[1, -1], [0.5, 0.5]], activation: leaky_relu, slope: 0.2}\n    - {weights: [1, -1], activation: sigmoid}\n  noise: [-0.5, 0.5]\n  data: [[0, 0], [1, 1]]\n  lr: fast  # <-\n', 'given.lr', "unknown name 'fast'", id='gan-lr-text'),
    case('kind: gan\ntitle: T\ngiven:\n  generator:\n    - {weights: [[1], [-1]], activation: relu}\n  discriminator:\n    - {weights: [[1, -1], [0.5, 0.5]], activation: leaky_relu, slope: 1/0}  # <-\n    - {weights: [1, -1], activation: sigmoid}\n  noise: [-0.5, 0.5]\n  data: [[0, 0], [1, 1]]\n  lr: 1\n', 'given.discriminator[0].slope', 'division by zero', id='gan-slope-div-zero'),
    case('kind: gan\ntitle: T\ngiven:\n  generator:\n    - {weights: [[1], [-1]], activation: relu}\n  discriminator:\n    - {weights: [[1, -1], [0.5, 0.5]], activation: leaky_relu, slope: 0.2}\n    - {weights: [1, -1], activation: sigmoid}\n  noise: [-0.5, 0.5]\n  data: [[0, 0], [1, 1]]\n  lr: 1\n  order: random  # <-\n', 'given.order', "'discriminator_first' or 'generator_first'", "got 'random'", id='gan-unknown-order'),
    case('kind: gan\ntitle: T\ngiven:\n  generator:\n    - {weights: [[1], [-1]], activation: relu}\n  discriminator:\n    - {weights: [[1, -1], [0.5, 0.5]], activation: leaky_relu, slope: 0.2}\n    - {weights: [1, -1], activation: sigmoid}\n  noise: [-0.5, 0.5]\n  data: [[0, 0], [1, 1]]\n  lr: 1\n  d_steps: 0  # <-\n', 'given.d_steps', 'discriminator steps from 1 to 20', 'got 0', id='gan-zero-d-steps'),
    case('kind: gan\ntitle: T\ngiven:\n  generator:\n    - {weights: [[1], [-1]], activation: relu}\n  discriminator:\n    - {weights: [[1, -1], [0.5, 0.5]], activation: leaky_relu, slope: 0.2}\n    - {weights: [1, -1], activation: sigmoid}\n  noise: [-0.5, 0.5]\n  data: [[0, 0], [1, 1]]\n  lr: -1/2  # <-\n', 'given.lr', 'expected a positive learning rate', "got '-1/2'", id='gan-negative-lr'),
    case('kind: gan\ntitle: T\ngiven:\n  generator:\n    - {weights: [[1], [-1]], activation: relu}\n  discriminator:\n    - {weights: [[1, -1], [0.5, 0.5]], activation: leaky_relu, slope: 0.2}\n    - {weights: [1, -1], activation: sigmoid}\n  noise: [-0.5, 0.5]\n  data: [[0, 0], [1, 1]]\n  lr: 0  # <-\n', 'given.lr', 'expected a positive learning rate', 'got 0', id='gan-zero-lr'),
    case('kind: gan\ntitle: T\ngiven:\n  generator:\n    - {weights: [[1], [-1]], activation: relu}\n  discriminator:\n    - {weights: [[1, -1], [0.5, 0.5]], activation: leaky_relu, slope: 0.2}\n    - {weights: [1, -1], activation: sigmoid}\n  noise: [-0.5, 0.5]\n  data: [[0, 0], [1, 1]]\n  lr: 1\n  generator_loss: wasserstein  # <-\n', 'given.generator_loss', "'minimax' or 'non_saturating'", "got 'wasserstein'", id='gan-unknown-loss'),
    case('kind: gan\ntitle: T\ngiven:\n  generator:\n    - {weights: [[1], [-1]], activation: relu, dropout: 0.5}  # <-\n  discriminator:\n    - {weights: [[1, -1], [0.5, 0.5]], activation: leaky_relu, slope: 0.2}\n    - {weights: [1, -1], activation: sigmoid}\n  noise: [-0.5, 0.5]\n  data: [[0, 0], [1, 1]]\n  lr: 1\n', 'given.generator[0].dropout', 'unknown field', id='gan-unknown-layer-field'),
    case('kind: gan\ntitle: T\ngiven:\n  generator:\n    - {activation: relu}  # <-\n  discriminator:\n    - {weights: [[1, -1], [0.5, 0.5]], activation: leaky_relu, slope: 0.2}\n    - {weights: [1, -1], activation: sigmoid}\n  noise: [-0.5, 0.5]\n  data: [[0, 0], [1, 1]]\n  lr: 1\n', 'given.generator[0].weights', 'missing required field', id='gan-weights-missing'),
    case('kind: gan\ntitle: T\ngiven:\n  generator:\n    - {weights: [[1], [-1, 2]], activation: relu}  # <-\n  discriminator:\n    - {weights: [[1, -1], [0.5, 0.5]], activation: leaky_relu, slope: 0.2}\n    - {weights: [1, -1], activation: sigmoid}\n  noise: [-0.5, 0.5]\n  data: [[0, 0], [1, 1]]\n  lr: 1\n', 'given.generator[0].weights', 'ragged matrix', id='gan-weights-ragged'),
    case('kind: gan\ntitle: T\ngiven:\n  generator:\n    - {weights: [[1], [-1]], activation: relu, slope: 0.1}  # <-\n  discriminator:\n    - {weights: [[1, -1], [0.5, 0.5]], activation: leaky_relu, slope: 0.2}\n    - {weights: [1, -1], activation: sigmoid}\n  noise: [-0.5, 0.5]\n  data: [[0, 0], [1, 1]]\n  lr: 1\n', 'given.generator[0].slope', 'a slope is for activation: leaky_relu', id='gan-slope-on-relu'),
    case('kind: conv-inversion\ntitle: T\ngiven:  # <-\n  X: [[1, 2], [3, 4]]\n  W: [[e]]\n', 'given.Y', 'missing required field', id='inversion-missing-Y'),
    case('kind: conv-inversion\ntitle: T\ngiven:  # <-\n  W: [[e]]\n  Y: [[1, 2], [3, 4]]\n', 'given.X', 'missing required field', id='inversion-missing-X'),
    case('kind: conv-inversion\ntitle: T\ngiven:\n  X: [[1, 2], [3, 4]]\n  W: [[e]]\n  Y: [[1, 2], [3, 4]]\n  groups: 2  # <-\n', 'given.groups', 'unknown field', 'allowed: X, W, Y, b', id='inversion-unknown-field'),
    case('kind: conv-inversion\ntitle: T\ngiven:\n  X: []  # <-\n  W: [[e]]\n  Y: [[1]]\n', 'given.X', 'expected a matrix', 'got an empty list', id='inversion-empty-X'),
    case('kind: conv-inversion\ntitle: T\ngiven:\n  X: [[]]  # <-\n  W: [[e]]\n  Y: [[1]]\n', 'given.X', 'mixes numbers and lists', id='inversion-empty-row'),
    case('kind: conv-inversion\ntitle: T\ngiven:\n  X: [[1, 2], [3, 4]]\n  W: [[e]]\n  Y: [[1, 2], [3]]  # <-\n', 'given.Y', 'ragged', 'row 0 has 2 entries but row 1 has 1', id='inversion-ragged-Y'),
    case('kind: conv-inversion\ntitle: T\ngiven:\n  X: [[1, 2], [3, 4]]\n  W: [[e]]\n  Y: [[1, y], [3, 4]]  # <-\n', 'given.Y', 'entry [0][1]', "expected a number or '?'", "unknown name 'y'", id='inversion-Y-name'),
    case('kind: conv-inversion\ntitle: T\ngiven:\n  X: [[1, true], [3, 4]]  # <-\n  W: [[e]]\n  Y: [[1, 2], [3, 4]]\n', 'given.X', 'entry [0][1]', 'expected a number', id='inversion-X-bool'),
    case('kind: conv-inversion\ntitle: T\ngiven:\n  X: [[1, 2], [3, 4]]\n  W: [[e]]\n  Y: [[1, 2], [3, 4]]\n  stride: 0  # <-\n', 'given.stride', 'greater than or equal to 1', 'got 0', id='inversion-stride-zero'),
    case('kind: conv-inversion\ntitle: T\ngiven:\n  X: [[1, 2], [3, 4]]\n  W: [[e]]\n  Y: [[1, 2], [3, 4]]\n  padding: -1  # <-\n', 'given.padding', 'non-negative integer', 'got -1', id='inversion-negative-padding'),
    case('kind: conv-inversion\ntitle: T\ngiven:\n  X: [[1, 2], [3, 4]]\n  W: [[e]]\n  Y: [[1, 2], [3, 4]]\n  flip: maybe  # <-\n', 'given.flip', 'expected true or false', "got 'maybe'", id='inversion-flip-text'),
    case('kind: conv-inversion\ntitle: T\ngiven:\n  X: [[1, 2], [3, 1/0]]  # <-\n  W: [[e]]\n  Y: [[1, 2], [3, 4]]\n', 'given.X', 'entry [1][1]', 'division by zero', id='inversion-div-zero'),
    case('kind: descent\ntitle: T\ngiven:\n  function: x^2\n  start: 1\n  lr: -1  # <-\n  iterations: 3\n', 'given.lr', 'expected a positive step size', id='descent-negative-lr'),
    case('kind: relu-pieces\ntitle: T\ngiven:\n  knots: [0, 1]\n  weights: [1]  # <-\n  points: [0]\n', 'given.weights', 'one weight per knot (2), got 1', id='relu-pieces-weights-short'),
    case('kind: symbolic\ntitle: T\ngiven:\n  x: tensor  # <-\nderivations:\n  - name: d\n    claim: c\n    steps: [2*x, x + x]\n', 'given.x', 'tensor', id='symbolic-unknown-sort'),
]


@pytest.mark.parametrize("bad", MORE_BAD_SPECS)
def test_more_bad_specs(bad: Bad, tmp_path: Path):
    check_bad_spec(bad, tmp_path)


def _write(tmp_path: Path, text: str) -> tuple[Path, Path]:
    file = tmp_path / "problem.yaml"
    file.write_text(text, encoding="utf-8")
    return file, tmp_path / "out.txt"


def test_matrix_of_1e4_by_1e4_is_refused_fast(tmp_path: Path):
    """10⁴×10⁴ entries written with aliases (the file stays small): refused before anything is built."""
    row = "[" + ", ".join(["1"] * 10_000) + "]"
    text = f"kind: graph\ntitle: T\nrow: &r {row}\ngiven:\n  W: [" + ", ".join(["*r"] * 10_000) + "]\n" \
           "equations:\n  - L = sum(W)\n"
    file, out = _write(tmp_path, text)
    warm_up_cli()
    start = time.process_time()
    stderr = assert_one_clean_error(run_cli("run", file, "-o", out), file, out, EXIT_BAD_SPEC)
    assert time.process_time() - start < 2.0
    assert "YAML aliases" in stderr and stderr.count("\n") == 1


def test_huge_hidden_size_is_answered_fast(tmp_path: Path):
    """hidden: 10⁹ is allowed in a parameter count (plain integer arithmetic): answered at once."""
    file, _ = _write(tmp_path, "kind: params\ntitle: T\ngiven: {model: lstm, hidden: 1000000000, input: 300}\n")
    warm_up_cli()
    start = time.process_time()
    result = run_cli("run", file, "-f", "json")
    assert time.process_time() - start < 2.0
    assert result.exit_code == 0, result.stderr
    total = json.loads(result.stdout)["answers"]["total"]["exact"]
    assert total == str(4 * (10**9 * (300 + 10**9) + 10**9))


@pytest.mark.parametrize("x", [-1000, -100000])
def test_sigmoid_overflow_in_float_mode(tmp_path: Path, x: int):
    """log(sigmoid(x)) in --numeric: the answer is right (L = −ln(1 + e^−x) ≈ x, dL/dx = 1 − σ(x) ≈ 1).
    At −1000 float64 overflows (e^1000) but the check's extended precision does not: checked ✓. At
    −100000 both overflow: the check says it cannot check, instead of printing numpy warnings or
    claiming a ✓ on NaN."""
    file, out = _write(tmp_path, f"kind: graph\ntitle: T\ngiven:\n  x: {x}\nequations:\n"
                                 "  - p = sigmoid(x)\n  - L = log(p)\n")
    result = run_cli("run", file, "--numeric", "-f", "json", "-o", out)
    assert result.exit_code == 0, result.stderr
    assert result.stderr == "" and result.stdout == ""
    solved = json.loads(out.read_text())
    assert solved["answers"]["L"]["value"] == pytest.approx(float(x))
    assert solved["answers"]["dL/dx"]["value"] == pytest.approx(1.0)
    extended = np.log(np.finfo(np.longdouble).max) > 1000  # False where long double is float64 (ARM)
    checked = x == -1000 and extended
    assert ("not checked" in out.read_text()) != checked


def test_log_of_sigmoid_underflow_exact(tmp_path: Path):
    """The same in exact arithmetic: no overflow at all, L = −ln(1 + e^1000)."""
    file, _ = _write(tmp_path, "kind: graph\ntitle: T\ngiven:\n  x: -1000\nequations:\n"
                                 "  - p = sigmoid(x)\n  - L = log(p)\n")
    result = run_cli("run", file, "-f", "json")
    assert result.exit_code == 0, result.stderr
    assert json.loads(result.stdout)["answers"]["L"]["value"] == pytest.approx(-1000.0)


INVERSION = "kind: conv-inversion\ntitle: T\ngiven:\n"


def test_inconsistent_inversion_exits_1(tmp_path: Path):
    file, out = _write(tmp_path, INVERSION + "  X: [[1, 2], [3, 4]]\n  W: [[e]]\n  Y: [[1, 3], [3, 4]]\n")
    stderr = assert_one_clean_error(run_cli("run", file, "-o", out), file, out, 1)
    assert stderr.startswith(f"dlsolve: error: {file}: the known outputs are inconsistent")
    assert "These equations conflict" in stderr


def test_underdetermined_inversion_solves_with_relations(tmp_path: Path):
    """Every input unknown and a kernel unknown: products e·X[i,j] that no round can untangle.
    The solver defines this as solved (exit 0): it reports what stays free."""
    file, out = _write(tmp_path, INVERSION + "  X: [[?, ?], [?, ?]]\n  W: [[e]]\n  Y: [[1, 2], [3, 4]]\n")
    result = run_cli("run", file, "-o", out)
    assert result.exit_code == 0, result.stderr
    assert out.exists() and result.stdout == "" and "Traceback" not in result.stderr


def test_inversion_with_every_output_unknown(tmp_path: Path):
    file, _ = _write(tmp_path, INVERSION + "  X: [[1, 2], [3, 4]]\n  W: [[e]]\n  Y: [[?, ?], [?, ?]]\n")
    result = run_cli("run", file, "-f", "json")
    assert result.exit_code == 0, result.stderr
    answers = json.loads(result.stdout)["answers"]
    assert answers["Y[1,1]"]["exact"] == "4*e"


def test_oversized_inversion_is_refused(tmp_path: Path):
    big = "[" + ", ".join(["[" + ", ".join(["1"] * 30) + "]"] * 30) + "]"
    file, out = _write(tmp_path, INVERSION + f"  X: {big}\n  W: [[e]]\n  Y: [[1]]\n")
    stderr = assert_one_clean_error(run_cli("run", file, "-o", out), file, out, EXIT_BAD_SPEC)
    assert stderr.startswith(f"dlsolve: error: {file}:4: given.X: more than 400 entries")


def test_gan_huge_d_steps_is_refused_up_front(tmp_path: Path):
    """10**6 discriminator steps used to run until --timeout; they are refused before any solving."""
    text = ("kind: gan\ntitle: T\ngiven:\n  generator:\n    - {weights: [[1], [-1]], activation: relu}\n"
            "  discriminator:\n    - {weights: [[1, -1]], activation: sigmoid}\n  noise: [-0.5, 0.5]\n"
            "  data: [[0, 0], [1, 1]]\n  lr: 1\n  d_steps: 1000000\n")
    file, out = _write(tmp_path, text)
    warm_up_cli()
    start = time.process_time()
    result = run_cli("run", file, "-o", out, "--timeout", "3")
    assert time.process_time() - start < 2.0
    stderr = assert_one_clean_error(result, file, out, EXIT_BAD_SPEC)
    assert stderr.startswith(f"dlsolve: error: {file}:11: given.d_steps: expected a whole number of discriminator "
                             "steps from 1 to 20, got 1000000")


def test_a_very_long_word_is_refused_before_parsing(tmp_path: Path):
    """PyYAML reads a 10⁶-character scalar in about a second; a run of more than 10,000 characters
    without a space or separator is refused at once, with its line."""
    file, out = _write(tmp_path, "kind: graph\ntitle: T\ngiven:\n  x: 1\nequations:\n  - L = x * " + "1" * 1_000_000 + "\n")
    warm_up_cli()
    start = time.process_time()
    stderr = assert_one_clean_error(run_cli("run", file, "-o", out), file, out, EXIT_BAD_SPEC)
    assert time.process_time() - start < 0.5
    assert stderr == f"dlsolve: error: {file}:6: a value of more than 10,000 characters without a space (numbers and names are far shorter)\n"


@pytest.mark.parametrize(("text", "line", "shown"), [
    ("\x00kind: graph\ntitle: T\n", 1, "'\\x00' (U+0000)"),
    ("kind: graph\ntitle: T\x07\ngiven: {x: 1}\n", 2, "'\\x07' (U+0007)"),
])
def test_a_control_character_is_named_with_its_line(tmp_path: Path, text: str, line: int, shown: str):
    """Found by tests/test_fuzz.py: PyYAML refuses these as it opens the text, before any mark exists."""
    file, out = _write(tmp_path, text)
    stderr = assert_one_clean_error(run_cli("run", file, "-o", out), file, out, EXIT_BAD_SPEC)
    assert stderr == f"dlsolve: error: {file}:{line}: not valid YAML: the character {shown} is not allowed\n"
