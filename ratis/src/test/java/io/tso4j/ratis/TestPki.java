package io.tso4j.ratis;

import java.io.IOException;
import java.io.StringWriter;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.KeyStore;
import java.security.cert.Certificate;
import java.security.cert.X509Certificate;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.concurrent.atomic.AtomicLong;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.TrustManagerFactory;
import javax.net.ssl.X509KeyManager;
import javax.net.ssl.X509TrustManager;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.cert.jcajce.JcaX509CertificateConverter;
import org.bouncycastle.cert.jcajce.JcaX509v3CertificateBuilder;
import org.bouncycastle.openssl.jcajce.JcaPEMWriter;
import org.bouncycastle.openssl.jcajce.JcaPKCS8Generator;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.jcajce.JcaContentSignerBuilder;

/**
 * Certificates made at test time with BouncyCastle (EC P-256, valid for a day): CAs, server certificates with an IP
 * SAN 127.0.0.1, client certificates, peer certificates (both), each written as PEM files (certificate, PKCS#8 key)
 * under a directory; and JDK key and trust managers over them. Shared with the tests of the modules above through the
 * ratis test-jar (the client module keeps its own copy: it must not see this module).
 */
public final class TestPki {
  private static final AtomicLong SERIAL = new AtomicLong(System.nanoTime());
  private static final char[] PASSWORD = "test".toCharArray();

  /** A certificate, its key, and the PEM files that hold them. */
  public record Issued(X509Certificate cert, KeyPair keys, Path certFile, Path keyFile) {
  }

  private final Path dir;

  /** Writes its files under {@code dir}. */
  public TestPki(Path dir) {
    this.dir = dir;
  }

  /** A self-signed CA named {@code name}. */
  public Issued ca(String name) throws Exception {
    KeyPair keys = keys();
    X500Name subject = new X500Name("CN=" + name);
    X509v3CertificateBuilder b = builder(subject, subject, keys);
    b.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
    b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
    return write(name, sign(b, keys), keys);
  }

  /** A server certificate for 127.0.0.1 issued by {@code ca}. */
  public Issued server(String name, Issued ca) throws Exception {
    return withLoopbackNames(name, ca, KeyPurposeId.id_kp_serverAuth);
  }

  /** A Raft peer certificate for 127.0.0.1 issued by {@code ca}: server and client authentication. */
  public Issued peer(String name, Issued ca) throws Exception {
    return withLoopbackNames(name, ca, KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth);
  }

  private Issued withLoopbackNames(String name, Issued ca, KeyPurposeId... purposes) throws Exception {
    KeyPair keys = keys();
    X509v3CertificateBuilder b = leaf(name, ca, keys, purposes);
    b.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(new GeneralName[] {
        new GeneralName(GeneralName.iPAddress, InetAddress.getByName("127.0.0.1").getHostAddress()),
        new GeneralName(GeneralName.dNSName, "localhost")}));
    return write(name, sign(b, ca.keys()), keys);
  }

  /** A client certificate issued by {@code ca}. */
  public Issued client(String name, Issued ca) throws Exception {
    KeyPair keys = keys();
    return write(name, sign(leaf(name, ca, keys, KeyPurposeId.id_kp_clientAuth), ca.keys()), keys);
  }

  /** Replaces {@code target}'s content with {@code source}'s atomically (a rotation as a deploy tool does it). */
  public static void replace(Path source, Path target) throws IOException {
    Path tmp = Files.createTempFile(target.getParent(), "rotate", ".pem");
    Files.copy(source, tmp, StandardCopyOption.REPLACE_EXISTING);
    Files.move(tmp, target, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    // A new modification time even on file systems with coarse timestamps.
    Files.setLastModifiedTime(target, java.nio.file.attribute.FileTime.from(Instant.now().plusSeconds(5)));
  }

  private X509v3CertificateBuilder leaf(String name, Issued ca, KeyPair keys, KeyPurposeId... purpose)
      throws IOException {
    X509v3CertificateBuilder b = builder(new X500Name(ca.cert().getSubjectX500Principal().getName()),
        new X500Name("CN=" + name), keys);
    b.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
    b.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature | KeyUsage.keyAgreement));
    b.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(purpose));
    return b;
  }

  /** A JDK key manager presenting {@code cert} (with its key). */
  public static X509KeyManager keyManager(Issued cert) throws GeneralSecurityException, IOException {
    KeyStore store = KeyStore.getInstance("PKCS12");
    store.load(null, null);
    store.setKeyEntry("key", cert.keys().getPrivate(), PASSWORD, new Certificate[] {cert.cert()});
    KeyManagerFactory f = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
    f.init(store, PASSWORD);
    return (X509KeyManager) f.getKeyManagers()[0];
  }

  /** A JDK trust manager trusting the certificates {@code cas}. */
  public static X509TrustManager trustManager(Issued... cas) throws GeneralSecurityException, IOException {
    KeyStore store = KeyStore.getInstance("PKCS12");
    store.load(null, null);
    for (int i = 0; i < cas.length; i++) {
      store.setCertificateEntry("ca" + i, cas[i].cert());
    }
    TrustManagerFactory f = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
    f.init(store);
    return (X509TrustManager) f.getTrustManagers()[0];
  }

  private static X509v3CertificateBuilder builder(X500Name issuer, X500Name subject, KeyPair keys) {
    Instant now = Instant.now();
    return new JcaX509v3CertificateBuilder(issuer, BigInteger.valueOf(SERIAL.incrementAndGet()),
        Date.from(now.minus(Duration.ofHours(1))), Date.from(now.plus(Duration.ofDays(1))), subject,
        keys.getPublic());
  }

  private static X509Certificate sign(X509v3CertificateBuilder b, KeyPair issuerKeys)
      throws OperatorCreationException, GeneralSecurityException {
    return new JcaX509CertificateConverter().getCertificate(b.build(
        new JcaContentSignerBuilder("SHA256withECDSA").build(issuerKeys.getPrivate())));
  }

  private static KeyPair keys() throws GeneralSecurityException {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"));
    return g.generateKeyPair();
  }

  private Issued write(String name, X509Certificate cert, KeyPair keys) throws Exception {
    Path certFile = dir.resolve(name + ".pem");
    Path keyFile = dir.resolve(name + ".key");
    Files.writeString(certFile, pem(cert), StandardCharsets.US_ASCII);
    Files.writeString(keyFile, pem(new JcaPKCS8Generator(keys.getPrivate(), null).generate()),
        StandardCharsets.US_ASCII);
    return new Issued(cert, keys, certFile, keyFile);
  }

  private static String pem(Object o) throws IOException {
    StringWriter s = new StringWriter();
    try (JcaPEMWriter w = new JcaPEMWriter(s)) {
      w.writeObject(o);
    }
    return s.toString();
  }
}
