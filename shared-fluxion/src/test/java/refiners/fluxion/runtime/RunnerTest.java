package refiners.fluxion.runtime;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.junit.jupiter.api.Test;
import refiners.fluxion.DetInit;
import refiners.fluxion.Tensor;
import refiners.fluxion.compile.CompileException;
import refiners.fluxion.compile.CompileOptions;
import refiners.fluxion.layers.Chain;
import refiners.fluxion.layers.Linear;
import refiners.fluxion.layers.Multiply;
import refiners.fluxion.layers.SiLU;

class RunnerTest {
    private static final CompileOptions STATIC = CompileOptions.defaults();

    private static Chain model(long seed) {
        Chain m = new Chain(new Linear(8, 8), new SiLU(), new Chain(new Linear(8, 4), new Multiply(2.0)));
        m.loadStateDict(DetInit.stateDict(m.stateDictShapes(), seed));
        return m;
    }

    private static Tensor input(long... shape) {
        return DetInit.tensor("input:runner", shape, 7, 0, 1);
    }

    private static Runner runner(int cacheSize) {
        return new Runner(RuntimeConfig.defaults().withThreads(1).withSessionCacheSize(cacheSize));
    }

    @Test
    void sessionsEvictedUnderConcurrentRunsCloseOnlyAfterThem() throws Exception {
        Chain m = model(1);
        List<Tensor> inputs = List.of(input(2, 8), input(3, 8)); // static shapes: one session each
        List<float[]> expected = new ArrayList<>();
        try (Runner reference = runner(4)) {
            for (Tensor x : inputs) expected.add(reference.run(m, STATIC, List.of(x)).output().toFloatArray());
        }
        // Cache of size 1: each switch of shape evicts the other shape's session. Three threads keep running shape 0
        // (mostly cache hits) while one alternates, so evictions land between a hit and its run as often as possible.
        int threads = 4, iterations = 300;
        ExecutorService pool = Executors.newFixedThreadPool(threads);
        try (Runner r = runner(1)) {
            List<Future<Integer>> futures = new ArrayList<>();
            for (int thread = 0; thread < threads; thread++) {
                boolean alternate = thread == 0;
                futures.add(pool.submit(() -> {
                    for (int i = 0; i < iterations; i++) {
                        int which = alternate ? i % 2 : 0;
                        assertArrayEquals(expected.get(which), r.run(m, STATIC, List.of(inputs.get(which))).output().toFloatArray());
                    }
                    return iterations;
                }));
            }
            int runs = 0;
            for (Future<Integer> f : futures) runs += f.get();
            assertEquals(threads * iterations, runs);
            assertEquals(1, r.sessionCount());
        } finally {
            pool.shutdown();
        }
    }

    @Test
    void aLeasedSessionOutlivesItsEviction() {
        try (Runner r = runner(1)) {
            Chain m = model(1);
            Tensor x2 = input(2, 8), x3 = input(3, 8);
            SessionCache cache = new SessionCache(1);
            CompiledModel a = cache.lease(m, m.treeVersion(), List.of("a"), () -> r.compile(m, STATIC, List.of(x2), Map.of()));
            CompiledModel b = cache.lease(m, m.treeVersion(), List.of("b"), () -> r.compile(m, STATIC, List.of(x3), Map.of()));
            assertEquals(1, cache.size()); // a is evicted ...
            assertEquals(2, a.runLeased(List.of(x2), Map.of()).output().shape()[0]); // ... but still runs under its lease
            a.release(); // the last lease of an evicted session closes it
            assertThrows(IllegalStateException.class, () -> a.run(List.of(x2), Map.of()));
            b.release();
            assertEquals(3, b.run(List.of(x3), Map.of()).output().shape()[0]); // b stays cached and open
        }
    }

    @Test
    void editsAnywhereInTheTreeRenewItsSessions() {
        try (Runner r = runner(4)) {
            Chain m = model(1);
            Tensor x = input(2, 8);
            float[] before = r.run(m, STATIC, List.of(x)).output().toFloatArray();

            Linear inner = (Linear) ((Chain) m.get("Chain")).get("Linear");
            inner.loadStateDict(DetInit.stateDict(inner.stateDictShapes(), 9)); // weights deep inside
            Chain fresh = model(1);
            ((Chain) fresh.get("Chain")).get("Linear").loadStateDict(DetInit.stateDict(inner.stateDictShapes(), 9));
            float[] reloaded = r.run(m, STATIC, List.of(x)).output().toFloatArray();
            assertFalse(java.util.Arrays.equals(before, reloaded));
            assertArrayEquals(r.run(fresh, STATIC, List.of(x)).output().toFloatArray(), reloaded);

            ((Multiply) ((Chain) m.get("Chain")).get("Multiply")).setScale(4.0); // an attribute
            float[] scaled = r.run(m, STATIC, List.of(x)).output().toFloatArray();
            for (int i = 0; i < scaled.length; i++) assertEquals(2 * reloaded[i], scaled[i], 1e-6);

            m.append(new Multiply(0.0)); // structure
            for (float v : r.run(m, STATIC, List.of(x)).output().toFloatArray()) assertEquals(0f, v, 0f);
            assertEquals(2, r.sessionCount()); // m's latest session and fresh's: older versions of m are closed
        }
    }

    @Test
    void aLeafSharedWithACopyRenewsTheCopysSessionsToo() {
        try (Runner r = runner(4)) {
            Chain m = model(1);
            Chain copy = m.structuralCopy(); // shares the leaves, whose parent stays in m
            Tensor x = input(2, 8);
            float[] before = r.run(copy, STATIC, List.of(x)).output().toFloatArray();
            Linear shared = (Linear) m.get("Linear");
            shared.loadStateDict(DetInit.stateDict(shared.stateDictShapes(), 5));
            float[] after = r.run(copy, STATIC, List.of(x)).output().toFloatArray();
            assertFalse(java.util.Arrays.equals(before, after));
            assertArrayEquals(r.run(m, STATIC, List.of(x)).output().toFloatArray(), after);
        }
    }

    @Test
    void tapsAreKeyedByPath() {
        try (Runner r = runner(4)) {
            Chain m = model(2);
            Tensor x = input(2, 8);
            Chain inner = (Chain) m.get("Chain");
            RunResult byLayer = r.run(m, STATIC.withTaps(List.of(m.get("Linear"), inner.get("Linear"))), List.of(x));
            RunResult byPath = r.run(m, STATIC.withTapPaths(List.of("Linear", "Chain.Linear")), List.of(x));
            assertEquals(1, r.sessionCount()); // the same taps, however given: one session
            assertArrayEquals(Runner.shared().forward(m.get("Linear"), x).toFloatArray(), byPath.tap("Linear").toFloatArray());
            assertArrayEquals(byPath.tap("Chain.Linear").toFloatArray(), byLayer.tap(inner.get("Linear")).toFloatArray());
            assertArrayEquals(byPath.tap("Linear").toFloatArray(), byLayer.tap(m.get("Linear")).toFloatArray());

            RunResult other = r.run(m, STATIC.withTapPaths(List.of("SiLU")), List.of(x)); // other taps: its own session
            assertEquals(2, r.sessionCount());
            assertEquals(List.of("SiLU"), List.copyOf(other.taps().keySet()));
            CompileException e = assertThrows(CompileException.class, () -> r.run(m, STATIC.withTapPaths(List.of("Chain.Nope")), List.of(x)));
            assertTrue(e.getMessage().contains("Chain.Nope"), e.getMessage());
            e = assertThrows(CompileException.class, () -> r.run(m, STATIC.withTaps(List.of(new SiLU())), List.of(x)));
            assertTrue(e.getMessage().contains("SiLU is not in Chain"), e.getMessage());
        }
    }

    @Test
    void forgetAndCloseReleaseSessions() {
        try (Runner r = runner(4)) {
            Chain a = model(1), b = model(2);
            r.run(a, STATIC, List.of(input(2, 8)));
            r.run(a, STATIC, List.of(input(3, 8)));
            r.run(b, STATIC, List.of(input(2, 8)));
            assertEquals(3, r.sessionCount());
            r.forget(a);
            assertEquals(1, r.sessionCount());
            r.close();
            assertEquals(0, r.sessionCount());
            assertEquals(2, r.run(b, STATIC, List.of(input(2, 8))).output().shape()[0]); // still usable
        }
    }

    @Test
    void theCacheDoesNotKeepModelsAlive() throws Exception {
        try (Runner r = runner(4)) {
            Chain m = model(1);
            r.run(m, STATIC, List.of(input(2, 8)));
            WeakReference<Chain> ref = new WeakReference<>(m);
            m = null;
            for (int i = 0; i < 50 && ref.get() != null; i++) {
                System.gc();
                Thread.sleep(10);
            }
            assertEquals(null, ref.get(), "the runner keeps the model reachable");
            r.run(model(2), STATIC, List.of(input(2, 8))); // the next lookup closes the collected model's session
            assertEquals(1, r.sessionCount());
        }
    }

    @Test
    void perCallContextValuesMustBeTensors() {
        try (Runner r = runner(1)) {
            Chain m = model(1);
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                    () -> r.run(m, STATIC, List.of(input(2, 8)), Map.of("run", Map.of("scale", 2.0))));
            assertTrue(e.getMessage().contains("run.scale"), e.getMessage());
        }
    }

    @Test
    void runtimeConfigParsesDevicesAndRefusesNonsense() {
        RuntimeConfig c = RuntimeConfig.defaults().withDevice("CUDA:1");
        assertEquals("cuda", c.device());
        assertEquals(1, c.cudaDevice());
        assertThrows(IllegalArgumentException.class, () -> RuntimeConfig.defaults().withDevice("tpu"));
        assertThrows(IllegalArgumentException.class, () -> RuntimeConfig.defaults().withSessionCacheSize(0));
        assertEquals(null, RuntimeConfig.defaults().withDumpOptimized(" ").dumpOptimized());
    }
}
