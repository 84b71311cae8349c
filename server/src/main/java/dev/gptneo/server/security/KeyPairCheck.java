package dev.gptneo.server.security;

import java.io.ByteArrayInputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.PrivateKey;
import java.security.PublicKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.Base64;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Whether {@code --tls-key} is the private key of {@code --tls-cert}'s certificate. Netty accepts
 * any well-formed pair, and a mismatch then shows only as every client's handshake failing; here
 * it fails at start-up, naming both files. The test is a signature: what the key signs, the
 * certificate's public key must verify.
 */
final class KeyPairCheck {

    private static final Pattern PKCS8 = Pattern.compile(
            "-----BEGIN PRIVATE KEY-----([A-Za-z0-9+/=\\s]+)-----END PRIVATE KEY-----");

    private KeyPairCheck() {
    }

    /**
     * @param chain the certificate file's bytes, its first certificate the server's own
     * @param key the key file's bytes, an unencrypted PKCS#8 PEM key (Netty has read it already)
     * @throws IllegalArgumentException naming both flags and files when the key is another's
     */
    static void requireMatch(byte[] chain, Path certFile, byte[] key, Path keyFile) {
        PublicKey certified;
        try {
            certified = ((X509Certificate) CertificateFactory.getInstance("X.509")
                    .generateCertificate(new ByteArrayInputStream(chain))).getPublicKey();
        } catch (GeneralSecurityException e) {
            return; // The chain was parsed before this; nothing to compare with otherwise.
        }
        String algorithm = signatureAlgorithm(certified.getAlgorithm());
        Matcher pem = PKCS8.matcher(new String(key, StandardCharsets.US_ASCII));
        if (algorithm == null || !pem.find()) {
            return; // A kind of key the JDK cannot sign with here: Netty's own checks stand.
        }
        try {
            PrivateKey privateKey = KeyFactory.getInstance(certified.getAlgorithm())
                    .generatePrivate(new PKCS8EncodedKeySpec(Base64.getMimeDecoder().decode(pem.group(1))));
            byte[] probe = new byte[32];
            new SecureRandom().nextBytes(probe);
            Signature signer = Signature.getInstance(algorithm);
            signer.initSign(privateKey);
            signer.update(probe);
            byte[] signature = signer.sign();
            Signature verifier = Signature.getInstance(algorithm);
            verifier.initVerify(certified);
            verifier.update(probe);
            if (verifier.verify(signature)) {
                return;
            }
        } catch (GeneralSecurityException | IllegalArgumentException e) {
            // A key of another algorithm than the certificate's: the same mismatch.
        }
        throw new IllegalArgumentException("--tls-key " + keyFile + " is not the private key of the certificate in"
                + " --tls-cert " + certFile + ": give the key the certificate was issued for");
    }

    /** A signature the key's algorithm makes, or null for one this check does not know. */
    private static String signatureAlgorithm(String keyAlgorithm) {
        return switch (keyAlgorithm) {
            case "RSA" -> "SHA256withRSA";
            case "EC" -> "SHA256withECDSA";
            case "Ed25519", "Ed448", "EdDSA" -> keyAlgorithm;
            default -> null;
        };
    }
}
