// Small layer graphs in the shape GET /api/models/{id} returns.

const layer = (name, kind, inputs, output_shape, hyper = {}) => ({ name, kind, inputs, output_shape, hyper });

export const tinyvgg = {
  output_layer: "output",
  classes: ["a", "b", "c"],
  input_spec: { channel_names: ["Gray"] },
  layers: [
    layer("input", "input", [], [1, 28, 28]),
    layer("conv_1_1", "conv2d", ["input"], [4, 26, 26], { groups: 1 }),
    layer("relu_1_1", "relu", ["conv_1_1"], [4, 26, 26]),
    layer("max_pool_1", "maxpool2d", ["relu_1_1"], [4, 13, 13]),
    layer("conv_2_1", "conv2d", ["max_pool_1"], [20, 11, 11], { groups: 1 }),
    layer("relu_2_1", "relu", ["conv_2_1"], [20, 11, 11]),
    layer("max_pool_2", "maxpool2d", ["relu_2_1"], [20, 5, 5]),
    layer("flatten", "flatten", ["max_pool_2"], [500]),
    layer("output", "linear", ["flatten"], [3]),
  ],
};

export const branches = {
  output_layer: "softmax",
  classes: ["x", "y"],
  input_spec: { channel_names: ["Red", "Green", "Blue"] },
  layers: [
    layer("input", "input", [], [3, 8, 8]),
    layer("a", "conv2d", ["input"], [2, 8, 8], { groups: 1 }),
    layer("b", "conv2d", ["input"], [3, 8, 8], { groups: 1 }),
    layer("cat", "concat", ["a", "b"], [5, 8, 8]),
    layer("dw", "conv2d", ["cat"], [5, 8, 8], { groups: 5 }),
    layer("add", "add", ["dw", "cat"], [5, 8, 8]),
    layer("pool", "adaptive_avgpool2d", ["add"], [5, 1, 1]),
    layer("flatten", "flatten", ["pool"], [5]),
    layer("hidden", "linear", ["flatten"], [4]),
    layer("fc", "linear", ["hidden"], [2]),
    layer("softmax", "softmax", ["fc"], [2]),
  ],
};
