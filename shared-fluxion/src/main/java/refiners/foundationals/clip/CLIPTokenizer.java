package refiners.foundationals.clip;

import java.io.IOException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import refiners.fluxion.DType;
import refiners.fluxion.Tensor;
import refiners.fluxion.compile.Attr;
import refiners.fluxion.compile.Graph;
import refiners.fluxion.compile.Value;
import refiners.fluxion.layers.Attributes;
import refiners.fluxion.layers.Module;

/**
 * refiners' CLIPTokenizer: text -> [start, BPE ids (at most sequence_length - 2, the rest dropped), end, padding].
 * It is the first layer of {@link CLIPTextEncoderL}, as in refiners; text cannot flow through an ONNX graph, so
 * tokenization runs on the host ({@link #tokenize}) and in the compiled graph this layer passes the ids through.
 * Pre-tokenization follows Python's semantics ({@link TokenPattern}); each pre-token's UTF-8 bytes become byte symbols
 * ({@link ByteToUnicode}) and are byte-pair encoded ({@link BytePairEncoder}).
 */
public final class CLIPTokenizer extends Module {
    public static final int DEFAULT_SEQUENCE_LENGTH = 77;
    public static final long DEFAULT_START_OF_TEXT_TOKEN_ID = 49406;
    public static final long DEFAULT_END_OF_TEXT_TOKEN_ID = 49407;
    public static final long DEFAULT_PAD_TOKEN_ID = 49407;

    private final CLIPVocabulary vocabulary;
    private final BytePairEncoder bytePairEncoder;
    private final int sequenceLength;
    private final long startOfTextTokenId;
    private final long endOfTextTokenId;
    private final long padTokenId;

    /** The bundled vocabulary with refiners' defaults. */
    public CLIPTokenizer() {
        this(CLIPVocabulary.bundled());
    }

    public CLIPTokenizer(CLIPVocabulary vocabulary) {
        this(vocabulary, DEFAULT_SEQUENCE_LENGTH, DEFAULT_START_OF_TEXT_TOKEN_ID, DEFAULT_END_OF_TEXT_TOKEN_ID, DEFAULT_PAD_TOKEN_ID);
    }

    public CLIPTokenizer(CLIPVocabulary vocabulary, int sequenceLength, long startOfTextTokenId, long endOfTextTokenId, long padTokenId) {
        if (sequenceLength < 2) throw new IllegalArgumentException("sequence length " + sequenceLength + " leaves no room for start and end tokens");
        this.vocabulary = vocabulary;
        this.sequenceLength = sequenceLength;
        this.startOfTextTokenId = startOfTextTokenId;
        this.endOfTextTokenId = endOfTextTokenId;
        this.padTokenId = padTokenId;
        // refiners' byte table maps every byte to chr(byte), where GPT-2 (and the merges) shift non-printable bytes to
        // U+0100..: no merge ever applies to those bytes in refiners, they stay single-byte tokens (same ids). Dropping
        // the merges that name a shifted symbol reproduces that (e.g. an emoji is 4 byte tokens, not one token).
        this.bytePairEncoder = new BytePairEncoder(vocabulary.merges().stream()
                .filter(m -> !hasShiftedSymbol(m.left()) && !hasShiftedSymbol(m.right()))
                .toList());
    }

    private static boolean hasShiftedSymbol(String token) {
        for (int i = 0; i < token.length(); i++) if (ByteToUnicode.isShifted(token.charAt(i))) return true;
        return false;
    }

    /** From a model folder holding Hugging Face tokenizer files: tokenizer/vocab.json and tokenizer/merges.txt. */
    public static CLIPTokenizer fromModelFolder(Path modelFolder) throws IOException {
        Path dir = modelFolder.resolve("tokenizer");
        return new CLIPTokenizer(CLIPVocabulary.fromHuggingFace(dir.resolve("vocab.json"), dir.resolve("merges.txt")));
    }

    /** The ids, their unpadded count and the truncation flag of one text. */
    public Tokenization tokenization(String text) {
        int maxBpeIds = sequenceLength - 2;
        long[] ids = new long[sequenceLength];
        Arrays.fill(ids, padTokenId);
        ids[0] = startOfTextTokenId;
        int count = 0;
        boolean truncated = false;
        outer:
        for (String token : TokenPattern.findAll(TokenPattern.clean(text))) {
            // like refiners' islice, nothing past the kept ids is encoded: a further pre-token only means truncation
            if (count == maxBpeIds) {
                truncated = true;
                break;
            }
            for (String subtoken : bytePairEncoder.encode(ByteToUnicode.encode(token))) {
                if (count == maxBpeIds) {
                    truncated = true;
                    break outer;
                }
                Integer id = vocabulary.tokenToId().get(subtoken);
                if (id == null) throw new IllegalStateException("subtoken '" + subtoken + "' of '" + token + "' is not in the vocabulary");
                ids[1 + count++] = id;
            }
        }
        ids[1 + count] = endOfTextTokenId;
        return new Tokenization(ids, count + 2, truncated);
    }

    /** Exactly sequence_length ids. */
    public long[] encode(String text) {
        return tokenization(text).ids();
    }

    /** Number of ids before the padding, start and end tokens included. */
    public int count(String text) {
        return tokenization(text).length();
    }

    /** Whether BPE ids were dropped to fit the sequence length. */
    public boolean isTruncated(String text) {
        return tokenization(text).truncated();
    }

    /** (N, sequence_length) I64 ids, one row per text. */
    public Tensor tokenize(List<String> texts) {
        long[] all = new long[texts.size() * sequenceLength];
        for (int i = 0; i < texts.size(); i++) System.arraycopy(encode(texts.get(i)), 0, all, i * sequenceLength, sequenceLength);
        return Tensor.ofLongs(new long[] {texts.size(), sequenceLength}, all);
    }

    /** (1, sequence_length) I64 ids, as refiners' forward(text). */
    public Tensor tokenize(String text) {
        return tokenize(List.of(text));
    }

    /** The pre-tokens refiners' regular expression finds (after lowercasing and whitespace collapse), for inspection. */
    public List<String> preTokens(String text) {
        return new ArrayList<>(TokenPattern.findAll(TokenPattern.clean(text)));
    }

    public CLIPVocabulary vocabulary() { return vocabulary; }
    public int sequenceLength() { return sequenceLength; }
    public long startOfTextTokenId() { return startOfTextTokenId; }
    public long endOfTextTokenId() { return endOfTextTokenId; }
    public long padTokenId() { return padTokenId; }

    /**
     * In the graph the input already is token ids (see the class comment), padded the default way (with end-of-text):
     * a tokenizer padding with another id (CLIPTextEncoderG's 0) re-pads them (everything after the first
     * end-of-text), so that one id tensor feeds both encoders of SDXL.
     */
    @Override
    public List<Value> lower(Graph graph, List<Value> args) {
        if (padTokenId == endOfTextTokenId) return args;
        Value ids = single(this, args);
        Value isEnd = graph.node("Equal", List.of(ids, graph.constLongs(endOfTextTokenId)), List.of(), DType.BOOL, ids.shape()).cast(DType.I64);
        Value axis = graph.constant(Tensor.ofLongs(new long[] {}, new long[] {1}));
        Value endsBefore = graph.node("CumSum", List.of(isEnd, axis), List.of(Attr.i("exclusive", 1)), DType.I64, ids.shape());
        Value padding = graph.node("Greater", List.of(endsBefore, graph.constLongs(0)), List.of(), DType.BOOL, ids.shape());
        return List.of(graph.node("Where", List.of(padding, graph.constLongs(padTokenId), ids), List.of(), DType.I64, ids.shape()));
    }

    @Override
    protected void describe(Attributes a) {
        a.addIfNot("sequence_length", sequenceLength, DEFAULT_SEQUENCE_LENGTH)
                .addIfNot("start_of_text_token_id", startOfTextTokenId, DEFAULT_START_OF_TEXT_TOKEN_ID)
                .addIfNot("end_of_text_token_id", endOfTextTokenId, DEFAULT_END_OF_TEXT_TOKEN_ID)
                .addIfNot("pad_token_id", padTokenId, DEFAULT_PAD_TOKEN_ID);
    }
}
