// Small layer graphs in the shape GET /api/models/{id} returns, with each layer's
// view as the server decides it (convscope.layer_views): view, display, signed, connectivity.

const layer = (name, kind, inputs, output_shape, view, hyper = {}) => ({ name, kind, inputs, output_shape, hyper, ...view });

const link = (mode, extra = {}) => ({ mode, ...extra });
const INPUT = { view: null, display: "input", signed: false, connectivity: link("none") };
const CONV = { view: "conv", display: "values", signed: true, connectivity: link("all") };
const RELU = { view: "activation", display: "values", signed: false, connectivity: link("one_to_one") };
const POOL = (signed) => ({ view: "pool", display: "values", signed, connectivity: link("one_to_one") });
const FLATTEN = (signed) => ({ view: "step", display: "hidden", signed, connectivity: link("unrolled") });
const LINEAR = { view: "linear", display: "values", signed: true, connectivity: link("all") };

export const tinyvgg = {
  output_layer: "output",
  logits_layer: "output",
  classes: ["a", "b", "c"],
  input_spec: { channel_names: ["Gray"] },
  layers: [
    layer("input", "input", [], [1, 28, 28], INPUT),
    layer("conv_1_1", "conv2d", ["input"], [4, 26, 26], CONV, { groups: 1 }),
    layer("relu_1_1", "relu", ["conv_1_1"], [4, 26, 26], RELU),
    layer("max_pool_1", "maxpool2d", ["relu_1_1"], [4, 13, 13], POOL(false)),
    layer("conv_2_1", "conv2d", ["max_pool_1"], [20, 11, 11], CONV, { groups: 1 }),
    layer("relu_2_1", "relu", ["conv_2_1"], [20, 11, 11], RELU),
    layer("max_pool_2", "maxpool2d", ["relu_2_1"], [20, 5, 5], POOL(false)),
    layer("flatten", "flatten", ["max_pool_2"], [500], FLATTEN(false)),
    layer("output", "linear", ["flatten"], [3], LINEAR),
  ],
};

export const branches = {
  output_layer: "softmax",
  logits_layer: "fc",
  classes: ["x", "y"],
  input_spec: { channel_names: ["Red", "Green", "Blue"] },
  layers: [
    layer("input", "input", [], [3, 8, 8], { ...INPUT, signed: true }),
    layer("a", "conv2d", ["input"], [2, 8, 8], CONV, { groups: 1 }),
    layer("b", "conv2d", ["input"], [3, 8, 8], CONV, { groups: 1 }),
    layer("cat", "concat", ["a", "b"], [5, 8, 8], { view: "step", display: "values", signed: true, connectivity: link("stacked", { offsets: [0, 2] }) }),
    layer("dw", "conv2d", ["cat"], [5, 8, 8], { ...CONV, connectivity: link("grouped", { groups: 5, in_per_group: 1, out_per_group: 1 }) }, { groups: 5 }),
    layer("add", "add", ["dw", "cat"], [5, 8, 8], { view: "add", display: "values", signed: true, connectivity: link("one_to_one") }),
    layer("pool", "adaptive_avgpool2d", ["add"], [5, 1, 1], POOL(true)),
    layer("flatten", "flatten", ["pool"], [5], FLATTEN(true)),
    layer("hidden", "linear", ["flatten"], [4], LINEAR),
    layer("fc", "linear", ["hidden"], [2], LINEAR),
    layer("softmax", "softmax", ["fc"], [2], { view: "softmax", display: "values", signed: false, connectivity: link("all") }),
  ],
};
