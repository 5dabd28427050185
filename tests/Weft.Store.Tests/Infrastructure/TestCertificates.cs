using System.Net;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Weft.Testing;

namespace Weft.Store.Tests.Infrastructure;

/// <summary>A throw-away CA with a server certificate for 127.0.0.1 and a client certificate, written as PEM files.</summary>
public static class TestCertificates
{
    private const string ServerAuth = "1.3.6.1.5.5.7.3.1";
    private const string ClientAuth = "1.3.6.1.5.5.7.3.2";

    public static EtcdTlsFiles Write(string dir)
    {
        var now = DateTimeOffset.UtcNow;
        using var caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var caRequest = new CertificateRequest("CN=weft-test-ca", caKey, HashAlgorithmName.SHA256);
        caRequest.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        caRequest.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.KeyCertSign | X509KeyUsageFlags.CrlSign, true));
        caRequest.CertificateExtensions.Add(new X509SubjectKeyIdentifierExtension(caRequest.PublicKey, false));
        using var ca = caRequest.CreateSelfSigned(now.AddHours(-1), now.AddDays(1));

        var files = new EtcdTlsFiles(
            Path.Combine(dir, "ca.pem"), Path.Combine(dir, "server.pem"), Path.Combine(dir, "server-key.pem"),
            Path.Combine(dir, "client.pem"), Path.Combine(dir, "client-key.pem"));
        File.WriteAllText(files.CaCert, ca.ExportCertificatePem());
        // etcd 3.4's gateway dials its own gRPC port with the server certificate, so it needs clientAuth too.
        Leaf(ca, "CN=127.0.0.1", [ServerAuth, ClientAuth], san: true, files.ServerCert, files.ServerKey, now);
        Leaf(ca, "CN=weft-agent", [ClientAuth], san: false, files.ClientCert, files.ClientKey, now);
        return files;
    }

    private static void Leaf(X509Certificate2 ca, string subject, string[] usages, bool san, string certPath, string keyPath, DateTimeOffset now)
    {
        using var key = ECDsa.Create(ECCurve.NamedCurves.nistP256);
        var request = new CertificateRequest(subject, key, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(false, false, 0, true));
        request.CertificateExtensions.Add(new X509KeyUsageExtension(X509KeyUsageFlags.DigitalSignature | X509KeyUsageFlags.KeyAgreement, true));
        var oids = new OidCollection();
        foreach (var u in usages) oids.Add(new Oid(u));
        request.CertificateExtensions.Add(new X509EnhancedKeyUsageExtension(oids, false));
        if (san)
        {
            var names = new SubjectAlternativeNameBuilder();
            names.AddIpAddress(IPAddress.Loopback);
            names.AddDnsName("localhost");
            request.CertificateExtensions.Add(names.Build());
        }
        var serial = RandomNumberGenerator.GetBytes(12);
        serial[0] &= 0x7f;
        using var cert = request.Create(ca, now.AddHours(-1), now.AddDays(1), serial);
        File.WriteAllText(certPath, cert.ExportCertificatePem());
        File.WriteAllText(keyPath, key.ExportPkcs8PrivateKeyPem());
    }
}
