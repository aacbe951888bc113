package refiners.k8s;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Container;
import io.fabric8.kubernetes.api.model.EnvVar;
import io.fabric8.kubernetes.api.model.HTTPGetAction;
import io.fabric8.kubernetes.api.model.HasMetadata;
import io.fabric8.kubernetes.api.model.IntOrString;
import io.fabric8.kubernetes.api.model.PersistentVolumeClaim;
import io.fabric8.kubernetes.api.model.Probe;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.ServicePort;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.client.utils.KubernetesSerialization;
import java.io.IOException;
import java.io.StringReader;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.Set;
import java.util.regex.Matcher;
import refiners.docs.ConfigurationDocTest;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Every manifest in k8s/ parses into Kubernetes objects, and they agree with each other (selectors, ports, probes,
 * ConfigMap keys, the HPA's target and metric) and with the services' application.properties (ports, environment).
 */
class K8sManifestsTest {
    static final List<String> MODEL_SERVICES = List.of("text-encoder-svc", "unet-svc", "vae-svc");
    static final List<String> SERVICES = List.of("text-encoder-svc", "unet-svc", "vae-svc", "orchestrator");
    static final Pattern ENV_REFERENCE = Pattern.compile("\\$\\{([A-Z][A-Z0-9_]*)(?::([^}]*))?}");

    static Path root;
    static List<HasMetadata> objects = new ArrayList<>();

    @BeforeAll
    static void parse() throws IOException {
        root = Path.of(System.getProperty("mesh.root", "..")).toAbsolutePath().normalize();
        KubernetesSerialization serialization = new KubernetesSerialization();
        try (Stream<Path> files = Files.list(root.resolve("k8s"))) {
            for (Path f : files.filter(p -> p.toString().endsWith(".yaml")).sorted().toList()) {
                for (String doc : Files.readString(f).split("(?m)^---\\s*$")) {
                    if (doc.lines().allMatch(l -> l.isBlank() || l.trim().startsWith("#"))) continue;
                    Object o = serialization.unmarshal(doc);
                    assertTrue(o instanceof HasMetadata, f + ": not a Kubernetes object: " + o);
                    objects.add((HasMetadata) o);
                }
            }
        }
        assertFalse(objects.isEmpty());
    }

    static <T extends HasMetadata> T one(Class<T> kind, String name) {
        List<T> found = objects.stream().filter(kind::isInstance).map(kind::cast).filter(o -> o.getMetadata().getName().equals(name)).toList();
        assertEquals(1, found.size(), kind.getSimpleName() + " " + name);
        return found.get(0);
    }

    /** The module's application.properties. */
    /** A service's settings: those every service shares (mesh-common), then its own application.properties on top. */
    static Properties properties(String module) throws IOException {
        Properties p = new Properties();
        p.load(new StringReader(Files.readString(root.resolve("mesh-common/src/main/resources/META-INF/microprofile-config.properties"))));
        p.load(new StringReader(Files.readString(root.resolve(module).resolve("src/main/resources/application.properties"))));
        return p;
    }

    /** "${VAR:default}" of a property: [VAR, default]. */
    static String[] envReference(Properties p, String key) {
        String v = p.getProperty(key);
        assertNotNull(v, key);
        Matcher m = ENV_REFERENCE.matcher(v);
        assertTrue(m.matches(), key + " = " + v + " is not ${VAR:default}");
        return new String[] {m.group(1), m.group(2)};
    }

    /**
     * The variables a module reads: those its properties reference, and for a model stage (a ServiceModel) the model
     * settings of ModelConfig, which MicroProfile maps from REFINERS_X without a line in the properties.
     */
    static Set<String> envVariablesRead(String module) throws IOException {
        Set<String> vars = envVariablesReferenced(properties(module));
        boolean stage;
        try (java.util.stream.Stream<Path> files = Files.walk(root.resolve(module).resolve("src/main/java"))) {
            stage = files.filter(f -> f.toString().endsWith(".java")).anyMatch(f -> read(f).contains("extends ServiceModel"));
        }
        if (stage)
            for (String property : ConfigurationDocTest.mappingProperties(read(root.resolve("mesh-common/src/main/java/refiners/mesh/ModelConfig.java"))))
                vars.add(property.toUpperCase(java.util.Locale.ROOT).replace('.', '_').replace('-', '_'));
        return vars;
    }

    private static String read(Path f) {
        try {
            return Files.readString(f);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    static Set<String> envVariablesReferenced(Properties p) {
        Set<String> vars = new HashSet<>();
        for (String k : p.stringPropertyNames()) {
            Matcher m = ENV_REFERENCE.matcher(p.getProperty(k));
            while (m.find()) vars.add(m.group(1));
        }
        return vars;
    }

    static Container container(Deployment d) {
        List<Container> containers = d.getSpec().getTemplate().getSpec().getContainers();
        assertEquals(1, containers.size(), d.getMetadata().getName());
        return containers.get(0);
    }

    static int containerPort(Container c, IntOrString port) {
        if (port.getIntVal() != null) return port.getIntVal();
        return c.getPorts().stream().filter(p -> port.getStrVal().equals(p.getName())).findFirst()
                .orElseThrow(() -> new AssertionError("no container port named " + port.getStrVal())).getContainerPort();
    }

    static String env(Container c, String name) {
        return c.getEnv().stream().filter(e -> e.getName().equals(name)).map(EnvVar::getValue).findFirst().orElse(null);
    }

    @Test
    void everyServiceHasADeploymentAndAServiceThatSelectIt() {
        for (String name : SERVICES) {
            Deployment d = one(Deployment.class, name);
            Map<String, String> podLabels = d.getSpec().getTemplate().getMetadata().getLabels();
            Map<String, String> selector = d.getSpec().getSelector().getMatchLabels();
            assertTrue(podLabels.entrySet().containsAll(selector.entrySet()), name + ": the Deployment's selector must match its pods");
            Service s = one(Service.class, name);
            assertTrue(podLabels.entrySet().containsAll(s.getSpec().getSelector().entrySet()), name + ": the Service must select the Deployment's pods");
            for (HasMetadata other : objects)
                if (other instanceof Deployment od && !od.getMetadata().getName().equals(name))
                    assertFalse(od.getSpec().getTemplate().getMetadata().getLabels().entrySet().containsAll(s.getSpec().getSelector().entrySet()),
                            name + ": the Service also selects " + od.getMetadata().getName());
        }
    }

    @Test
    void portsAgreeWithApplicationProperties() throws IOException {
        for (String name : SERVICES) {
            Properties p = properties(name);
            String[] portRef = envReference(p, "quarkus.http.port");
            int port = Integer.parseInt(portRef[1]);
            Container c = container(one(Deployment.class, name));
            assertEquals(String.valueOf(port), env(c, portRef[0]), name + ": " + portRef[0]);
            assertTrue(c.getPorts().stream().anyMatch(cp -> cp.getContainerPort() == port), name + ": container port " + port);
            ServicePort sp = one(Service.class, name).getSpec().getPorts().get(0);
            assertEquals(port, sp.getPort(), name + ": Service port");
            assertEquals(port, containerPort(c, sp.getTargetPort()), name + ": Service targetPort");
            assertEquals("false", p.getProperty("quarkus.grpc.server.use-separate-server"), name + ": gRPC on the HTTP port");
            assertEquals("true", p.getProperty("quarkus.grpc.server.enable-reflection-service"), name);
        }
    }

    @Test
    void probesUseTheQuarkusHealthEndpoints() {
        for (String name : SERVICES) {
            Container c = container(one(Deployment.class, name));
            assertProbe(c, c.getReadinessProbe(), "/q/health/ready", name);
            assertProbe(c, c.getLivenessProbe(), "/q/health/live", name);
            if (c.getStartupProbe() != null) assertProbe(c, c.getStartupProbe(), "/q/health/live", name);
        }
    }

    static void assertProbe(Container c, Probe probe, String path, String name) {
        assertNotNull(probe, name + ": probe on " + path);
        HTTPGetAction get = probe.getHttpGet();
        assertEquals(path, get.getPath(), name);
        int port = containerPort(c, get.getPort());
        assertTrue(c.getPorts().stream().anyMatch(cp -> cp.getContainerPort() == port), name + ": probe port " + port);
    }

    @Test
    void modelServicesRequestAGpuAndReadTheirSettingsFromTheConfigMap() throws IOException {
        ConfigMap models = one(ConfigMap.class, "refiners-models");
        for (String name : MODEL_SERVICES) {
            Container c = container(one(Deployment.class, name));
            assertEquals(new Quantity("1"), c.getResources().getLimits().get("nvidia.com/gpu"), name);
            assertTrue(c.getEnvFrom().stream().anyMatch(e -> e.getConfigMapRef() != null && e.getConfigMapRef().getName().equals("refiners-models")), name);
            Set<String> read = envVariablesRead(name);
            for (String key : List.of("REFINERS_WEIGHTS", "REFINERS_DEVICE", "REFINERS_DTYPE"))
                assertTrue(read.contains(key) && models.getData().containsKey(key), name + " reads " + key + " from the ConfigMap");
            var claim = c.getVolumeMounts().stream().map(m -> m.getName()).toList();
            assertTrue(claim.contains("models"), name);
            assertTrue(models.getData().get("REFINERS_WEIGHTS").startsWith(c.getVolumeMounts().get(0).getMountPath()), name + ": weights on the mounted volume");
        }
        assertTrue(envVariablesRead("unet-svc").contains("REFINERS_LORA_DIR"));
        assertNotNull(one(PersistentVolumeClaim.class, "refiners-models"));
        assertEquals(null, container(one(Deployment.class, "orchestrator")).getResources().getLimits().get("nvidia.com/gpu"));
    }

    @Test
    void everyEnvironmentVariableSetIsOneTheServiceReads() throws IOException {
        ConfigMap models = one(ConfigMap.class, "refiners-models");
        Set<String> readFromConfigMap = new HashSet<>();
        for (String name : SERVICES) {
            Set<String> read = envVariablesRead(name);
            Container c = container(one(Deployment.class, name));
            for (EnvVar e : c.getEnv()) {
                if (e.getName().equals("QUARKUS_PROFILE")) { // Quarkus' own: the profile must exist in the settings
                    Properties p = properties(name);
                    assertTrue(p.stringPropertyNames().stream().anyMatch(k -> k.startsWith("%" + e.getValue() + ".")), name + ": no %" + e.getValue() + ". settings");
                    continue;
                }
                assertTrue(read.contains(e.getName()), name + " does not read " + e.getName());
                if (e.getValueFrom() != null && e.getValueFrom().getConfigMapKeyRef() != null)
                    assertTrue(models.getData().containsKey(e.getValueFrom().getConfigMapKeyRef().getKey()), name + ": " + e.getName());
            }
            for (var from : c.getEnvFrom())
                if (from.getConfigMapRef() != null)
                    for (String key : one(ConfigMap.class, from.getConfigMapRef().getName()).getData().keySet())
                        if (read.contains(key)) readFromConfigMap.add(key);
        }
        // a shared ConfigMap may hold keys only some of its readers use, but none that nobody reads
        assertEquals(models.getData().keySet(), readFromConfigMap);
    }

    @Test
    void theOrchestratorReachesEachStageThroughItsService() throws IOException {
        Properties p = properties("orchestrator");
        Container c = container(one(Deployment.class, "orchestrator"));
        Map<String, String> clients = Map.of("text-encoder", "text-encoder-svc", "unet", "unet-svc", "vae", "vae-svc");
        for (var e : clients.entrySet()) {
            String[] host = envReference(p, "quarkus.grpc.clients." + e.getKey() + ".host");
            String[] port = envReference(p, "quarkus.grpc.clients." + e.getKey() + ".port");
            Service s = one(Service.class, e.getValue());
            assertEquals(s.getMetadata().getName(), env(c, host[0]), e.getKey() + " host");
            assertEquals(String.valueOf(s.getSpec().getPorts().get(0).getPort()), env(c, port[0]), e.getKey() + " port");
            // calls balanced by load over the pods of a headless Service, with the policy the mesh uses by default
            assertEquals("None", s.getSpec().getClusterIP(), e.getValue() + ": headless");
            String[] policy = envReference(p, "quarkus.grpc.clients." + e.getKey() + ".load-balancing-policy");
            assertEquals(policy[1], env(c, policy[0]), e.getKey() + " load balancing");
            assertTrue(policy[1].startsWith("refiners_"), e.getKey() + ": a load-aware policy, not " + policy[1]);
            // the local default matches the stage's own default port
            assertEquals(envReference(properties(e.getValue()), "quarkus.http.port")[1], port[1], e.getKey() + " default port");
        }
    }

    @Test
    void theUNetAutoscalesOnItsInFlightStreamsMetric() throws IOException {
        HorizontalPodAutoscaler hpa = one(HorizontalPodAutoscaler.class, "unet-svc");
        assertEquals("Deployment", hpa.getSpec().getScaleTargetRef().getKind());
        assertEquals("unet-svc", hpa.getSpec().getScaleTargetRef().getName());
        assertEquals(1, hpa.getSpec().getMetrics().size());
        var metric = hpa.getSpec().getMetrics().get(0);
        assertEquals("Pods", metric.getType());
        // the gauge the UNet service registers, in its Prometheus form
        String source = Files.readString(root.resolve("unet-svc/src/main/java/refiners/mesh/unet/UNetMetrics.java"));
        Matcher m = Pattern.compile("BATCH_FILL = \"([a-z.]+)\"").matcher(source);
        assertTrue(m.find(), "UNetMetrics.BATCH_FILL");
        assertEquals(m.group(1).replace('.', '_'), metric.getPods().getMetric().getName());
        java.math.BigDecimal target = metric.getPods().getTarget().getAverageValue().getNumericalAmount();
        assertTrue(target.signum() > 0 && target.compareTo(java.math.BigDecimal.ONE) < 0, "a batch fill target in (0, 1): scale out before steps wait for more than one call, got " + target);
        assertTrue(hpa.getSpec().getMaxReplicas() >= hpa.getSpec().getMinReplicas());
    }

    /** The path a container sees for a file under one of its mounts, and the Secret that mount comes from (null: none). */
    static String secretBehind(Deployment d, Container c, String file) {
        for (var m : c.getVolumeMounts()) {
            if (!file.startsWith(m.getMountPath() + "/")) continue;
            assertTrue(Boolean.TRUE.equals(m.getReadOnly()), d.getMetadata().getName() + ": " + m.getMountPath() + " read-only");
            var volume = d.getSpec().getTemplate().getSpec().getVolumes().stream().filter(v -> v.getName().equals(m.getName())).findFirst().orElseThrow();
            return volume.getSecret() == null ? null : volume.getSecret().getSecretName();
        }
        return null;
    }

    @Test
    void certificatesAndApiKeysComeFromMountedSecretsAndProbesUseTls() throws IOException {
        String operations = Files.readString(root.resolve("docs/operations.md"));
        for (String name : SERVICES) {
            Deployment d = one(Deployment.class, name);
            Container c = container(d);
            assertEquals("tls", env(c, "QUARKUS_PROFILE"), name + ": TLS on");
            Set<String> read = envVariablesRead(name);
            Map<String, String> secretOf = Map.of("REFINERS_TLS_CERT", name + "-tls", "REFINERS_TLS_KEY", name + "-tls", "REFINERS_TLS_CA", "refiners-mesh-ca");
            for (var e : secretOf.entrySet()) {
                assertTrue(read.contains(e.getKey()), name + " reads " + e.getKey());
                assertEquals(e.getValue(), secretBehind(d, c, env(c, e.getKey())), name + ": " + e.getKey() + " from the Secret " + e.getValue());
                assertTrue(operations.contains(e.getValue().replace(name, "$s")) || operations.contains(e.getValue()), "docs/operations.md: how to create " + e.getValue());
            }
            for (Probe p : new Probe[] {c.getReadinessProbe(), c.getLivenessProbe(), c.getStartupProbe()})
                if (p != null) assertEquals("HTTPS", p.getHttpGet().getScheme(), name + ": probes over TLS");
        }
        Container orchestrator = container(one(Deployment.class, "orchestrator"));
        String[] keysFile = envReference(properties("orchestrator"), "refiners.orchestrator.api-keys-file");
        assertEquals("refiners-api-keys", secretBehind(one(Deployment.class, "orchestrator"), orchestrator, env(orchestrator, keysFile[0])));
        assertTrue(operations.contains("kubectl create secret generic refiners-api-keys"), "docs/operations.md: how to create the API keys Secret");
        // a terminating model pod has the shutdown delay and the 25 s for running model calls
        long delay = java.time.Duration.parse("PT" + one(ConfigMap.class, "refiners-models").getData().get("REFINERS_SHUTDOWN_DELAY").toUpperCase()).toSeconds();
        for (String name : MODEL_SERVICES)
            assertTrue(one(Deployment.class, name).getSpec().getTemplate().getSpec().getTerminationGracePeriodSeconds() >= delay + 25, name + ": grace period");
    }
}
