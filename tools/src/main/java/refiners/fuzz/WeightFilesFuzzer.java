package refiners.fuzz;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;
import refiners.conversion.ConversionException;
import refiners.conversion.LoraFile;
import refiners.conversion.LoraFormats;
import refiners.conversion.SD1Component;
import refiners.fluxion.Tensor;
import refiners.fluxion.safetensors.SafeTensors;
import refiners.fluxion.safetensors.SafeTensorsException;
import refiners.foundationals.latent_diffusion.stable_diffusion_1.SD1Weights;

/**
 * Damaged weight files against the readers: the safetensors reader, the LoRA loader (three formats) and the model
 * weights loaders (a CompVis single file, a sharded diffusers folder with its index). Every case must end either
 * loaded (the damage was harmless) or refused with the library's own exception (SafeTensorsException,
 * ConversionException) whose message names the file; anything else — another exception, an Error (out of memory,
 * stack overflow), a case still running after the timeout — is a failure. Cases derive from (seed, index), so a run
 * repeats exactly.
 */
public final class WeightFilesFuzzer {
    /** What a case loads. */
    public enum Target { SAFETENSORS, LORA_REFINERS, LORA_KOHYA, LORA_DIFFUSERS, COMPVIS_FILE, DIFFUSERS_SHARDS }

    /** How a case ended; the last four are failures. */
    public enum Outcome {
        REFUSED, LOADED, UNNAMED, UNCHECKED, ERROR, HANG;

        public boolean failure() {
            return ordinal() >= UNNAMED.ordinal();
        }
    }

    /** A failing case: enough to repeat it (seed and index) and the damaged files. */
    public record Failure(long seed, int index, Target target, String kind, Outcome outcome, String detail, Map<String, byte[]> files) {}

    /** Outcome counts per kind of damage, and the failures. */
    public record Report(int cases, Map<String, Map<Outcome, Integer>> byKind, List<Failure> failures) {
        public Map<Outcome, Integer> totals() {
            Map<Outcome, Integer> t = new EnumMap<>(Outcome.class);
            byKind.values().forEach(m -> m.forEach((o, n) -> t.merge(o, n, Integer::sum)));
            return t;
        }

        public String table() {
            StringBuilder b = new StringBuilder(String.format("%-24s", "damage"));
            for (Outcome o : Outcome.values()) b.append(String.format("%10s", o.name().toLowerCase()));
            b.append('\n');
            byKind.forEach((kind, counts) -> {
                b.append(String.format("%-24s", kind));
                for (Outcome o : Outcome.values()) b.append(String.format("%10d", counts.getOrDefault(o, 0)));
                b.append('\n');
            });
            b.append(String.format("%-24s", "total"));
            Map<Outcome, Integer> t = totals();
            for (Outcome o : Outcome.values()) b.append(String.format("%10d", t.getOrDefault(o, 0)));
            return b.append('\n').toString();
        }
    }

    /** What the sharded folder's index can get wrong. */
    enum IndexDamage { NOT_JSON, NO_WEIGHT_MAP, WEIGHT_MAP_NOT_AN_OBJECT, SHARD_NOT_A_STRING, SHARD_OUTSIDE, SHARD_ABSOLUTE, SHARD_MISSING, SHARD_PICKLE, SHARD_BAD_CHARACTERS, KEY_NOT_IN_SHARD }

    static final String SHARD_1 = "diffusion_pytorch_model-00001-of-00002.safetensors";
    static final String SHARD_2 = "diffusion_pytorch_model-00002-of-00002.safetensors";
    static final String INDEX = "diffusion_pytorch_model.safetensors.index.json";

    /** The loaders' INFO lines (one per loaded case) would drown the report. */
    private static final java.util.logging.Logger LOADERS = java.util.logging.Logger.getLogger("refiners");

    private final FuzzSeeds seeds = new FuzzSeeds();
    private final Map<Target, SafeTensorsImage> images = new EnumMap<>(Target.class);
    private final Map<String, long[]> compvisExpected = new LinkedHashMap<>();
    private final Map<String, long[]> diffusersExpected = new LinkedHashMap<>();
    private final Path work;
    private final long timeoutMillis;
    private ExecutorService worker = newWorker();

    /** @param work a folder for the case files (emptied as cases go) */
    public WeightFilesFuzzer(Path work, long timeoutMillis) {
        this.work = work;
        this.timeoutMillis = timeoutMillis;
        LOADERS.setLevel(java.util.logging.Level.WARNING);
        images.put(Target.SAFETENSORS, seeds.generic());
        images.put(Target.LORA_REFINERS, seeds.loraRefiners());
        images.put(Target.LORA_KOHYA, seeds.loraKohya());
        images.put(Target.LORA_DIFFUSERS, seeds.loraDiffusers());
        // a single file needs a UNet key to be taken for SD 1.x; the autoencoder loader leaves it alone
        images.put(Target.COMPVIS_FILE, seeds.autoencoderTensors("sd1_autoencoder.compvis", compvisExpected,
                Map.of("model.diffusion_model.out.2.bias", Tensor.ofFloats(new long[] {4}, 1, 2, 3, 4))));
        images.put(Target.DIFFUSERS_SHARDS, seeds.autoencoderTensors("sd1_autoencoder.diffusers", diffusersExpected, Map.of()));
    }

    /** Checks that every undamaged seed loads (a fuzzer whose seeds fail would only ever see refusals). */
    public void checkSeeds() {
        for (Target t : Target.values()) {
            Path dir = caseDir(-1);
            try {
                write(t, dir, images.get(t).bytes(), null);
                load(t, dir.resolve(mainFile(t)));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } finally {
                delete(dir);
            }
        }
    }

    public Report run(long seed, int cases) {
        Map<String, Map<Outcome, Integer>> byKind = new TreeMap<>();
        List<Failure> failures = new ArrayList<>();
        Target[] targets = Target.values();
        Mutation[] mutations = Mutation.values();
        IndexDamage[] indexDamages = IndexDamage.values();
        for (int i = 0; i < cases; i++) {
            SplittableRandom r = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + i);
            Target target = targets[r.nextInt(targets.length)];
            Path dir = caseDir(i);
            String kind;
            Map<String, byte[]> files;
            try {
                if (target == Target.DIFFUSERS_SHARDS && r.nextInt(3) == 0) {
                    IndexDamage d = indexDamages[r.nextInt(indexDamages.length)];
                    kind = "INDEX_" + d;
                    files = write(target, dir, images.get(target).bytes(), damagedIndex(d, r));
                } else {
                    Mutation m = mutations[r.nextInt(mutations.length)];
                    kind = m.name();
                    files = write(target, dir, m.apply(images.get(target), r), null);
                }
                Throwable thrown = attempt(target, dir);
                List<String> names = new ArrayList<>(List.of(dir.getFileName().toString())); // a message may name the folder
                files.keySet().forEach(f -> names.add(Path.of(f).getFileName().toString()));
                Outcome outcome = classify(thrown, names);
                byKind.computeIfAbsent(kind, k -> new EnumMap<>(Outcome.class)).merge(outcome, 1, Integer::sum);
                if (outcome.failure()) failures.add(new Failure(seed, i, target, kind, outcome, describe(thrown), files));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } finally {
                delete(dir);
            }
        }
        worker.shutdownNow();
        return new Report(cases, byKind, failures);
    }

    /** Runs one case on the worker thread: null when it loaded, else what it threw (a TimeoutException when it hung). */
    private Throwable attempt(Target target, Path dir) {
        Future<Throwable> f = worker.submit(() -> {
            try {
                load(target, dir.resolve(mainFile(target)));
                return null;
            } catch (Throwable t) {
                return t;
            }
        });
        try {
            return f.get(timeoutMillis, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            f.cancel(true);
            worker.shutdownNow();
            worker = newWorker(); // the hung thread is abandoned
            return e;
        } catch (Exception e) {
            return e;
        }
    }

    private void load(Target target, Path file) {
        switch (target) {
            case SAFETENSORS -> {
                try (SafeTensors st = SafeTensors.open(file)) {
                    long sum = 0;
                    for (String k : st.keys()) {
                        java.nio.ByteBuffer b = st.get(k).data();
                        while (b.hasRemaining()) sum += b.get();
                    }
                    if (sum == Long.MIN_VALUE) throw new IllegalStateException(); // keeps the reads
                }
            }
            case LORA_REFINERS, LORA_KOHYA, LORA_DIFFUSERS -> {
                LoraFile lora = LoraFormats.read(file, "fuzz", seeds.unetShapes, seeds.textEncoderShapes);
                lora.unetWeights(1.0);
                lora.textEncoderWeights(0.5);
            }
            case COMPVIS_FILE -> new SD1Weights(file).stateDict(SD1Component.AUTOENCODER, "SD1Autoencoder", compvisExpected);
            case DIFFUSERS_SHARDS -> new SD1Weights(file.getParent().getParent()).stateDict(SD1Component.AUTOENCODER, "SD1Autoencoder", diffusersExpected);
        }
    }

    static Outcome classify(Throwable t, Iterable<String> fileNames) {
        if (t == null) return Outcome.LOADED;
        if (t instanceof TimeoutException) return Outcome.HANG;
        if (t instanceof Error) return Outcome.ERROR;
        if (!(t instanceof SafeTensorsException || t instanceof ConversionException)) return Outcome.UNCHECKED;
        String message = String.valueOf(t.getMessage());
        for (String f : fileNames) if (message.contains(f)) return Outcome.REFUSED;
        return Outcome.UNNAMED;
    }

    private static String describe(Throwable t) {
        if (t == null) return "loaded";
        java.io.StringWriter w = new java.io.StringWriter();
        t.printStackTrace(new java.io.PrintWriter(w));
        return w.toString().lines().limit(12).reduce((a, b) -> a + "\n" + b).orElse("");
    }

    private static String mainFile(Target target) {
        return switch (target) {
            case DIFFUSERS_SHARDS -> "vae/" + INDEX;
            default -> "case.safetensors";
        };
    }

    /** Writes a case's files; returns them (paths relative to the case folder) with their bytes. */
    private Map<String, byte[]> write(Target target, Path dir, byte[] damaged, String index) throws IOException {
        Map<String, byte[]> files = new LinkedHashMap<>();
        if (target != Target.DIFFUSERS_SHARDS) {
            files.put(mainFile(target), damaged);
        } else {
            // the damaged file is the first shard; the second holds one tensor of the seed, undamaged
            SafeTensorsImage seed = images.get(target);
            List<String> names = seed.tensorNames();
            String last = names.get(names.size() - 1);
            SafeTensorsImage second = new SafeTensorsImage(SafeTensorsImage.JSON.createObjectNode(), seed.data.clone());
            second.header.set(last, seed.entry(last).deepCopy());
            files.put("vae/" + SHARD_1, damaged);
            files.put("vae/" + SHARD_2, second.bytes());
            files.put("vae/" + INDEX, (index != null ? index : index(names, last)).getBytes(StandardCharsets.UTF_8));
            Files.createDirectories(dir.resolve("unet"));
        }
        for (var f : files.entrySet()) {
            Path p = dir.resolve(f.getKey());
            Files.createDirectories(p.getParent());
            Files.write(p, f.getValue());
        }
        return files;
    }

    private static String index(List<String> names, String inSecond) {
        StringBuilder b = new StringBuilder("{\"metadata\": {\"total_size\": 0}, \"weight_map\": {");
        for (int i = 0; i < names.size(); i++)
            b.append(i == 0 ? "" : ", ").append('"').append(names.get(i)).append("\": \"").append(names.get(i).equals(inSecond) ? SHARD_2 : SHARD_1).append('"');
        return b.append("}}").toString();
    }

    private String damagedIndex(IndexDamage d, SplittableRandom r) {
        List<String> names = images.get(Target.DIFFUSERS_SHARDS).tensorNames();
        String last = names.get(names.size() - 1);
        String good = index(names, last);
        String key = names.get(r.nextInt(names.size()));
        String shardOf = "\"" + key + "\": \"" + (key.equals(last) ? SHARD_2 : SHARD_1) + "\"";
        return switch (d) {
            case NOT_JSON -> good.substring(0, r.nextInt(good.length()));
            case NO_WEIGHT_MAP -> "{\"metadata\": {}}";
            case WEIGHT_MAP_NOT_AN_OBJECT -> "{\"weight_map\": [\"" + SHARD_1 + "\"]}";
            case SHARD_NOT_A_STRING -> good.replace(shardOf, "\"" + key + "\": " + (r.nextBoolean() ? "7" : "{\"a\": 1}"));
            case SHARD_OUTSIDE -> good.replace(shardOf, "\"" + key + "\": \"../" + SHARD_1 + "\"");
            case SHARD_ABSOLUTE -> good.replace(shardOf, "\"" + key + "\": \"/etc/passwd\"");
            case SHARD_MISSING -> good.replace(shardOf, "\"" + key + "\": \"missing.safetensors\"");
            case SHARD_PICKLE -> good.replace(shardOf, "\"" + key + "\": \"model.bin\"");
            case SHARD_BAD_CHARACTERS -> good.replace(shardOf, "\"" + key + "\": \"a\\u0000b.safetensors\"");
            case KEY_NOT_IN_SHARD -> good.replace("\"weight_map\": {", "\"weight_map\": {\"not.in.any.shard\": \"" + SHARD_1 + "\", ");
        };
    }

    private Path caseDir(int i) {
        return work.resolve(i < 0 ? "seed" : "case-" + i);
    }

    private static void delete(Path dir) {
        if (!Files.exists(dir)) return;
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path p : files.sorted(java.util.Comparator.reverseOrder()).toList()) Files.deleteIfExists(p);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static ExecutorService newWorker() {
        return Executors.newSingleThreadExecutor(r -> {
            Thread t = new Thread(r, "fuzz-case");
            t.setDaemon(true);
            return t;
        });
    }
}
