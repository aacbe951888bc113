package refiners.foundationals.clip;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import refiners.fluxion.DType;
import refiners.fluxion.Tensor;
import refiners.foundationals.clip.BytePairEncoder.Merge;
import refiners.oracle.OracleCase;

/** Behaviour the clip-tokenizer oracle does not pin; the oracle itself runs in OracleParityTest. */
class CLIPTokenizerTest {
    private static final CLIPTokenizer TOKENIZER = new CLIPTokenizer();

    @Test
    void bundledVocabularyHasClipSize() {
        CLIPVocabulary v = CLIPVocabulary.bundled();
        assertEquals(CLIPVocabulary.MERGE_COUNT, v.merges().size());
        assertEquals(49408, v.tokenToId().size());
        assertEquals(49406, v.tokenToId().get(CLIPVocabulary.START_OF_TEXT));
        assertEquals(49407, v.tokenToId().get(CLIPVocabulary.END_OF_TEXT));
    }

    @Test
    void emptyTextIsStartEndThenPadding() {
        Tokenization t = TOKENIZER.tokenization("");
        assertEquals(2, t.length());
        assertFalse(t.truncated());
        assertEquals(77, t.ids().length);
        assertEquals(TOKENIZER.startOfTextTokenId(), t.ids()[0]);
        for (int i = 1; i < 77; i++) assertEquals(TOKENIZER.padTokenId(), t.ids()[i]);
    }

    @Test
    void truncationFlagIsSetOnlyWhenIdsAreDropped() {
        // "cat" is one BPE id: 75 of them fill the sequence exactly, a 76th is dropped.
        String fits = "cat ".repeat(75), over = "cat ".repeat(76), far = "cat ".repeat(500);
        assertEquals(3, TOKENIZER.count("cat"));
        assertEquals(77, TOKENIZER.count(fits));
        assertFalse(TOKENIZER.isTruncated(fits));
        assertEquals(77, TOKENIZER.count(over));
        assertTrue(TOKENIZER.isTruncated(over));
        assertTrue(TOKENIZER.isTruncated(far));
        assertArrayEquals(TOKENIZER.encode(fits), TOKENIZER.encode(far));
        assertEquals(TOKENIZER.endOfTextTokenId(), TOKENIZER.encode(far)[76]);
    }

    @Test
    void truncationCutsInsideAWord() {
        // 74 one-id words, then a word of several ids: only its first id is kept.
        String text = "cat ".repeat(74) + "xylophonist";
        assertTrue(TOKENIZER.tokenization("xylophonist").length() > 3);
        Tokenization t = TOKENIZER.tokenization(text);
        assertTrue(t.truncated());
        assertEquals(TOKENIZER.encode("xylophonist")[1], t.ids()[75]);
    }

    @Test
    void tokenizeStacksRowsAndAcceptsAnEmptyList() {
        Tensor empty = TOKENIZER.tokenize(List.of());
        assertEquals(DType.I64, empty.dtype());
        assertArrayEquals(new long[] {0, 77}, empty.shape());
        List<String> texts = List.of("a photo of a cat", "", "hello world");
        Tensor t = TOKENIZER.tokenize(texts);
        assertArrayEquals(new long[] {3, 77}, t.shape());
        long[] all = t.toLongArray();
        for (int i = 0; i < texts.size(); i++) {
            long[] row = new long[77];
            System.arraycopy(all, i * 77, row, 0, 77);
            assertArrayEquals(TOKENIZER.encode(texts.get(i)), row);
        }
        assertArrayEquals(new long[] {1, 77}, TOKENIZER.tokenize("x").shape());
    }

    @Test
    void pythonSpaceAndWordDefinitions() {
        for (int cp : new int[] {'\t', '\n', 0x0B, 0x0C, '\r', 0x1C, 0x1D, 0x1E, 0x1F, ' ', 0x85, 0xA0, 0x1680, 0x2000, 0x200A, 0x2028, 0x2029, 0x202F, 0x205F, 0x3000})
            assertTrue(PythonUnicode.isSpace(cp), Integer.toHexString(cp));
        for (int cp : new int[] {0x200B, 0x180E, 0xFEFF, 'a', '_'}) assertFalse(PythonUnicode.isSpace(cp), Integer.toHexString(cp));
        // Nl (Roman numeral), No (superscript two, circled one), Nd (Arabic-Indic digit) and letters are \w ...
        for (int cp : new int[] {0x216B, 0xB2, 0x2460, 0x661, 0xE9, 0x6771, '_'}) assertTrue(PythonUnicode.isWordChar(cp), Integer.toHexString(cp));
        // ... combining marks (Mn, Mc), symbols and emoji are not
        for (int cp : new int[] {0x301, 0x903, 0x200D, 0x1F431, '-', 0x20AC}) assertFalse(PythonUnicode.isWordChar(cp), Integer.toHexString(cp));
    }

    @Test
    void preTokensFollowPythonRegexSemantics() {
        assertEquals(List.of("snake", "_", "case"), TOKENIZER.preTokens("snake_case"));
        assertEquals(List.of("caf", "cr", "me"), TOKENIZER.preTokens("café crème")); // non-ASCII letters dropped
        assertEquals(List.of("\u017Ftrange"), TOKENIZER.preTokens("\u017Ftrange")); // ſ is [a-z] under IGNORECASE
        assertEquals(List.of("it", "'\u017F"), TOKENIZER.preTokens("it'\u017F")); // and matches the "s" of 's
        assertEquals(List.of("i", "\u0307", "stanbul"), TOKENIZER.preTokens("\u0130stanbul")); // lower(): i + combining dot
        assertEquals(List.of("<|startoftext|>", "x"), TOKENIZER.preTokens("<|StartOfText|>x"));
        assertEquals(List.of("1", "2", "!?"), TOKENIZER.preTokens("12!?"));
        assertEquals(List.of("a", "b"), TOKENIZER.preTokens("a\u001Cb\u0085"));
    }

    @Test
    void equalPairsMergeLeftmostFirst() {
        BytePairEncoder bpe = new BytePairEncoder(List.of(new Merge("a", "a")));
        assertEquals(List.of("aa", "a</w>"), bpe.encode("aaa"));
        assertEquals(List.of("aa", "aa", "a</w>"), bpe.encode("aaaaa"));
        BytePairEncoder ranked = new BytePairEncoder(List.of(new Merge("b", "c"), new Merge("a", "b")));
        assertEquals(List.of("a", "bc", "d</w>"), ranked.encode("abcd"));
        assertEquals(List.of("x</w>"), ranked.encode("x"));
    }

    @Test
    void loneSurrogateIsRejectedLikePythonsUtf8Encoder() {
        assertThrows(IllegalArgumentException.class, () -> TOKENIZER.encode("bad \uD83D here"));
    }

    @Test
    void huggingFaceFilesGiveTheBundledIds(@TempDir Path dir) throws IOException {
        writeHuggingFaceFiles(CLIPVocabulary.bundled(), dir.resolve("tokenizer"));
        CLIPTokenizer fromFiles = CLIPTokenizer.fromModelFolder(dir);
        List<String> texts = oraclePrompts();
        texts.add("🐱🔥 " + "aaaa".repeat(30));
        for (String text : texts) {
            assertArrayEquals(TOKENIZER.encode(text), fromFiles.encode(text), text);
            assertEquals(TOKENIZER.isTruncated(text), fromFiles.isTruncated(text), text);
        }
    }

    /** vocab.json (token -> id, in id order) and merges.txt ("#version: 0.2" header) as Hugging Face writes them. */
    private static void writeHuggingFaceFiles(CLIPVocabulary vocabulary, Path dir) throws IOException {
        Files.createDirectories(dir);
        Map<String, Integer> ordered = new LinkedHashMap<>();
        vocabulary.tokenToId().entrySet().stream().sorted(Map.Entry.comparingByValue()).forEach(e -> ordered.put(e.getKey(), e.getValue()));
        new ObjectMapper().writeValue(dir.resolve("vocab.json").toFile(), ordered);
        StringBuilder merges = new StringBuilder("#version: 0.2\n");
        for (Merge m : vocabulary.merges()) merges.append(m.left()).append(' ').append(m.right()).append('\n');
        Files.writeString(dir.resolve("merges.txt"), merges, StandardCharsets.UTF_8);
    }

    /** The prompt texts of every clip-tokenizer case file in the oracle directory. */
    private static List<String> oraclePrompts() {
        List<String> texts = new ArrayList<>();
        for (Path p : OracleCase.manifests(OracleCase.dir())) {
            JsonNode m = OracleCase.read(p);
            if (!"clip-tokenizer".equals(m.get("case").asText())) continue;
            for (JsonNode sub : m.get("subcases")) for (JsonNode prompt : sub.path("prompts")) texts.add(prompt.get("text").asText());
        }
        assertFalse(texts.isEmpty(), "no clip-tokenizer prompts in " + OracleCase.dir());
        return texts;
    }

    @Test
    void inTheGraphATokenizerPaddingWithZeroRepadsIdsPaddedWithEndOfText() {
        CLIPTokenizer zeroPadded = new CLIPTokenizer(CLIPVocabulary.bundled(), 77, 49406, 49407, 0); // CLIPTextEncoderG's
        List<String> prompts = List.of("", "a photo of a cat", "word ".repeat(100));
        Tensor ids = TOKENIZER.tokenize(prompts);
        Tensor repadded = refiners.fluxion.runtime.Runner.shared().run(new refiners.fluxion.layers.Chain(zeroPadded),
                refiners.fluxion.compile.CompileOptions.defaults(), List.of(ids)).output();
        assertArrayEquals(zeroPadded.tokenize(prompts).toLongArray(), repadded.toLongArray());
        assertEquals("CLIPTokenizer(pad_token_id=0)", zeroPadded.toString());
    }
}
