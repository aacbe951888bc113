package refiners.launch;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * A test CA and certificates made at test time with the JDK's keytool (nothing committed): {@code ca.crt}, the
 * mesh's certificate {@code mesh.crt} / {@code mesh.key} signed by it (for localhost, 127.0.0.1 and 127.0.0.2, server
 * and client use), and {@code stranger.crt} / {@code stranger.key} signed by another CA. Keys are written as PKCS#8
 * PEM, what Quarkus' TLS registry and grpc-java read. docs/operations.md shows the same with openssl.
 */
record TestCertificates(Path ca, Path cert, Path key, Path strangerCert, Path strangerKey) {
    static final String PASSWORD = "test-only";

    static TestCertificates create(Path dir) throws Exception {
        Files.createDirectories(dir);
        for (String f : List.of("ca.p12", "other-ca.p12", "mesh.p12", "stranger.p12")) Files.deleteIfExists(dir.resolve(f));
        keytool(dir, "-genkeypair", "-alias", "ca", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=refiners test CA",
                "-ext", "bc:c", "-validity", "2", "-keystore", "ca.p12");
        keytool(dir, "-genkeypair", "-alias", "ca", "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=another CA",
                "-ext", "bc:c", "-validity", "2", "-keystore", "other-ca.p12");
        keytool(dir, "-exportcert", "-alias", "ca", "-keystore", "ca.p12", "-rfc", "-file", "ca.crt");
        Path mesh = leaf(dir, "mesh", "ca.p12");
        Path stranger = leaf(dir, "stranger", "other-ca.p12");
        return new TestCertificates(dir.resolve("ca.crt"), mesh, dir.resolve("mesh.key"), stranger, dir.resolve("stranger.key"));
    }

    /** A key pair, its certificate signed by the CA of {@code caStore}, the key as PEM. */
    private static Path leaf(Path dir, String name, String caStore) throws Exception {
        keytool(dir, "-genkeypair", "-alias", name, "-keyalg", "EC", "-groupname", "secp256r1", "-dname", "CN=" + name, "-validity", "2",
                "-keystore", name + ".p12");
        keytool(dir, "-certreq", "-alias", name, "-keystore", name + ".p12", "-file", name + ".csr");
        keytool(dir, "-gencert", "-alias", "ca", "-keystore", caStore, "-infile", name + ".csr", "-outfile", name + ".crt", "-rfc", "-validity", "2",
                "-ext", "SAN=dns:localhost,ip:127.0.0.1,ip:127.0.0.2", "-ext", "EKU=serverAuth,clientAuth");
        KeyStore ks = KeyStore.getInstance("PKCS12");
        try (InputStream in = Files.newInputStream(dir.resolve(name + ".p12"))) {
            ks.load(in, PASSWORD.toCharArray());
        }
        PrivateKey key = (PrivateKey) ks.getKey(name, PASSWORD.toCharArray());
        Files.writeString(dir.resolve(name + ".key"), "-----BEGIN PRIVATE KEY-----\n"
                + Base64.getMimeEncoder(64, "\n".getBytes()).encodeToString(key.getEncoded()) + "\n-----END PRIVATE KEY-----\n");
        return dir.resolve(name + ".crt");
    }

    private static void keytool(Path dir, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "keytool").toString()));
        command.addAll(List.of(args));
        command.addAll(List.of("-storepass", PASSWORD, "-keypass", PASSWORD, "-storetype", "PKCS12", "-noprompt"));
        Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
        String out = new String(p.getInputStream().readAllBytes());
        if (!p.waitFor(1, TimeUnit.MINUTES) || p.exitValue() != 0) throw new IllegalStateException("keytool " + String.join(" ", args) + ":\n" + out);
    }

    /** A TLS context that trusts the test CA (for HTTPS health checks and REST calls). */
    SSLContext trustingCa() throws Exception {
        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        try (InputStream in = Files.newInputStream(ca)) {
            trust.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, tmf.getTrustManagers(), null);
        return context;
    }
}
