package refiners.foundationals.clip;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Byte-pair encoding of one pre-token (already a string of byte symbols): start from single symbols, the last one
 * suffixed with "</w>", and repeatedly merge the adjacent pair of lowest merge rank until no pair has a rank. Among equal
 * pairs the leftmost is merged first: the deterministic order of OpenAI CLIP (refiners picks among them through a
 * Python set, so its choice depends on PYTHONHASHSEED; the oracle expects the leftmost one). Results are cached per
 * pre-token in a bounded LRU cache.
 */
public final class BytePairEncoder {
    static final String END_OF_WORD = "</w>";
    private static final int CACHE_SIZE = 10_000;

    /** One merge rule: the pair (left, right) becomes left + right. */
    public record Merge(String left, String right) {}

    private final Map<String, Integer> ranks = new HashMap<>();
    private final Map<String, List<String>> cache = Collections.synchronizedMap(new LinkedHashMap<>(256, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, List<String>> eldest) {
            return size() > CACHE_SIZE;
        }
    });

    /** Merges in priority order (rank = position); a repeated pair keeps its last rank, as a Python dict would. */
    BytePairEncoder(List<Merge> merges) {
        for (int rank = 0; rank < merges.size(); rank++) ranks.put(key(merges.get(rank).left(), merges.get(rank).right()), rank);
    }

    // Symbols never contain a space (the byte table maps ' ' to 'Ġ'), so "left right" is an unambiguous key.
    private static String key(String left, String right) {
        return left + ' ' + right;
    }

    /** The subtokens of a non-empty pre-token, the last one ending with "</w>". */
    List<String> encode(String word) {
        List<String> cached = cache.get(word);
        if (cached != null) return cached;
        List<String> result = Collections.unmodifiableList(merge(word));
        cache.put(word, result);
        return result;
    }

    private List<String> merge(String word) {
        List<String> symbols = new ArrayList<>(word.length());
        for (int i = 0; i < word.length(); ) {
            int next = i + Character.charCount(word.codePointAt(i));
            symbols.add(word.substring(i, next));
            i = next;
        }
        int last = symbols.size() - 1;
        symbols.set(last, symbols.get(last) + END_OF_WORD);
        while (symbols.size() > 1) {
            int best = -1, bestRank = Integer.MAX_VALUE;
            for (int i = 0; i + 1 < symbols.size(); i++) {
                Integer rank = ranks.get(key(symbols.get(i), symbols.get(i + 1)));
                if (rank != null && rank < bestRank) { // strict: the leftmost of equal pairs wins
                    best = i;
                    bestRank = rank;
                }
            }
            if (best < 0) break;
            symbols.set(best, symbols.get(best) + symbols.remove(best + 1));
        }
        return symbols;
    }
}
