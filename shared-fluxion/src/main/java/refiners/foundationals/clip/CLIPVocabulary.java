package refiners.foundationals.clip;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.GZIPInputStream;
import refiners.foundationals.clip.BytePairEncoder.Merge;

/**
 * A CLIP BPE vocabulary: token -> id, and the merge rules in priority order. Token strings are written with GPT-2's
 * byte symbols ({@link ByteToUnicode}), as in OpenAI's merges file and Hugging Face's vocab.json / merges.txt.
 */
public record CLIPVocabulary(Map<String, Integer> tokenToId, List<Merge> merges) {
    /** OpenAI's merges file (refiners ships it next to its tokenizer), bundled as a classpath resource. */
    public static final String BUNDLED_RESOURCE = "bpe_simple_vocab_16e6.txt.gz";
    /** Merges CLIP uses from that file: vocabulary size 49408 = 2 * 256 byte tokens + merges + 2 special tokens. */
    public static final int MERGE_COUNT = 49152 - 256 - 2;
    public static final String START_OF_TEXT = "<|startoftext|>";
    public static final String END_OF_TEXT = "<|endoftext|>";

    public CLIPVocabulary {
        tokenToId = Map.copyOf(tokenToId);
        merges = List.copyOf(merges);
    }

    private static final class Bundled {
        static final CLIPVocabulary INSTANCE = load();

        private static CLIPVocabulary load() {
            try (InputStream in = CLIPVocabulary.class.getResourceAsStream(BUNDLED_RESOURCE)) {
                if (in == null) throw new IllegalStateException("resource " + BUNDLED_RESOURCE + " missing from the classpath");
                return fromOpenAiMerges(in);
            } catch (IOException e) {
                throw new UncheckedIOException("cannot read " + BUNDLED_RESOURCE, e);
            }
        }
    }

    /** The bundled bpe_simple_vocab_16e6 vocabulary (loaded once). */
    public static CLIPVocabulary bundled() {
        return Bundled.INSTANCE;
    }

    /**
     * From OpenAI's gzipped merges file: a header line, then merges "left right"; the first {@link #MERGE_COUNT} are
     * used. Ids: the 256 byte symbols, the same with "</w>", each merge's concatenation, then the 2 special tokens.
     */
    public static CLIPVocabulary fromOpenAiMerges(InputStream gzipped) throws IOException {
        String[] lines;
        try (InputStream in = new GZIPInputStream(gzipped)) {
            lines = new String(in.readAllBytes(), StandardCharsets.UTF_8).split("\n", -1);
        }
        if (lines.length < MERGE_COUNT + 1) throw new IOException("merges file has " + lines.length + " lines, expected at least " + (MERGE_COUNT + 1));
        List<Merge> merges = new ArrayList<>(MERGE_COUNT);
        for (int i = 1; i <= MERGE_COUNT; i++) merges.add(parseMerge(lines[i], i + 1));
        List<String> tokens = new ArrayList<>(2 * 256 + MERGE_COUNT + 2);
        String symbols = ByteToUnicode.symbolsInVocabularyOrder();
        for (char c : symbols.toCharArray()) tokens.add(String.valueOf(c));
        for (char c : symbols.toCharArray()) tokens.add(c + BytePairEncoder.END_OF_WORD);
        for (Merge m : merges) tokens.add(m.left() + m.right());
        tokens.add(START_OF_TEXT);
        tokens.add(END_OF_TEXT);
        Map<String, Integer> tokenToId = new HashMap<>();
        for (int id = 0; id < tokens.size(); id++) tokenToId.put(tokens.get(id), id); // a repeated token keeps its last id
        return new CLIPVocabulary(tokenToId, merges);
    }

    /** From Hugging Face CLIPTokenizer files: vocab.json (token -> id) and merges.txt ("#version" header, one merge a line). */
    public static CLIPVocabulary fromHuggingFace(Path vocabJson, Path mergesTxt) throws IOException {
        Map<String, Integer> tokenToId = new ObjectMapper().readValue(vocabJson.toFile(), new TypeReference<Map<String, Integer>>() {});
        List<String> lines = Files.readAllLines(mergesTxt, StandardCharsets.UTF_8);
        List<Merge> merges = new ArrayList<>(lines.size());
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if ((i == 0 && line.startsWith("#version")) || line.isBlank()) continue;
            merges.add(parseMerge(line, i + 1));
        }
        return new CLIPVocabulary(tokenToId, merges);
    }

    private static Merge parseMerge(String line, int lineNumber) {
        String[] pair = line.strip().split(" ");
        if (pair.length != 2) throw new IllegalArgumentException("merge line " + lineNumber + " is not 'left right': " + line);
        return new Merge(pair[0], pair[1]);
    }
}
