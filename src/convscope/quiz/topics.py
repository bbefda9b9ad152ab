"""Every quiz topic by name, in the order a quiz asks them."""

from __future__ import annotations

from convscope.errors import ConvScopeError
from convscope.quiz import essay_topics, model_topics, receptive, size_topics, traced_topics, value_topics
from convscope.quiz.question import Topic

TOPICS: dict[str, Topic] = {
    topic.name: topic
    for topic in (
        Topic("input", "channels and values of one input image", model_topics.input_values),
        Topic("output-units", "units of the output layer (classes)", model_topics.output_units),
        Topic("conv-output-size", "output size of a convolution by the floor rule", size_topics.conv_output_size),
        Topic("strict-rule", "whether a window combination is valid under the strict rule", size_topics.strict_rule),
        Topic("filters", "filters of a conv layer", model_topics.filters),
        Topic("kernels", "2-D kernels of a conv layer, C_in·C_out/groups", model_topics.kernels),
        Topic("weights", "weights of a conv layer", model_topics.weights),
        Topic("biases", "biases of a conv layer", model_topics.biases),
        Topic(
            "dense-alternative", "weights of a fully connected layer doing a conv's job", model_topics.dense_alternative
        ),
        Topic("parameter-sharing", "weights do not depend on the image size", model_topics.parameter_sharing),
        Topic("convolution", "a kernel slid over given numbers", value_topics.convolution_values),
        Topic("relu", "ReLU of a vector", value_topics.relu_vector),
        Topic("pool-output-size", "output size of a pooling layer", size_topics.pool_output_size),
        Topic("pool-values", "max or average pooling of given numbers", value_topics.pooling_values),
        Topic("pool-stride", "the stride of a pooling layer from its shapes", size_topics.pool_stride),
        Topic("flatten", "values in the flattened vector", value_topics.flatten_size),
        Topic("dense-weights", "weights of a fully connected layer", value_topics.dense_weights),
        Topic("same-padding", "'same' padding as a function of K", size_topics.same_padding),
        Topic("multiplications", "multiplications of a conv layer", model_topics.multiplications),
        Topic("receptive-field", "input pixels one unit depends on", receptive.receptive_field_question),
        Topic("softmax", "softmax of given logits", value_topics.softmax_logits),
        Topic(
            "traced-probability",
            "a class probability of a sample image, read off the app",
            traced_topics.traced_probability,
        ),
        Topic(
            "traced-conv-value", "one conv output of a sample image, read off the app", traced_topics.traced_conv_value
        ),
        Topic("explain-convolution", "free text: why convolutions need few weights", essay_topics.why_convolution),
        Topic("explain-strict-rule", "free text: pixels a window combination leaves over", essay_topics.why_strict),
        Topic("explain-softmax", "free text: why softmax gives probabilities", essay_topics.why_softmax),
    )
}


def topic_names(text: str | list[str] | tuple[str, ...] | None) -> list[str]:
    """``"relu,softmax"`` or ``["relu", "softmax"]`` → checked names in the order given; ``None`` → all.

    Raises:
        ConvScopeError: a name is not a topic; the message lists the valid ones.
    """
    if text is None:
        return list(TOPICS)
    words = text.split(",") if isinstance(text, str) else list(text)
    names = list(dict.fromkeys(w.strip() for w in words if w.strip()))
    unknown = [n for n in names if n not in TOPICS]
    if unknown or not names:
        what = f"unknown topic {', '.join(repr(n) for n in unknown)}" if unknown else "no topic given"
        raise ConvScopeError(f"{what}; valid topics: {', '.join(TOPICS)}")
    return names
