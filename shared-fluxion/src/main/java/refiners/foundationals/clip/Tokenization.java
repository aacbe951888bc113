package refiners.foundationals.clip;

/**
 * One text through the tokenizer: the padded ids (start, at most sequence_length - 2 BPE ids, end, padding), how many
 * of them precede the padding, and whether BPE ids were dropped to fit.
 */
public record Tokenization(long[] ids, int length, boolean truncated) {}
