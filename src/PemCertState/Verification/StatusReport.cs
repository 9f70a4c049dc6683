using PemCertState.Inventory;
using PemCertState.Observation;
using PemCertState.Planning;

namespace PemCertState.Verification;

/// <summary>Every managed certificate and the CRL with its issuer and days left. Expired is never shown as ok.</summary>
public static class StatusReport
{
    public static IReadOnlyList<CertificateStatus> Create(DesiredState desired, ObservedState observed, DateTimeOffset now)
    {
        var server = observed.Server;
        var rows = new List<CertificateStatus>
        {
            Row(Addresses.Ca, server.CaCertificate, desired.Ca.Policy.RenewBefore, now),
            Row(Addresses.ServerCertificate, server.Certificate, desired.Server.Policy.RenewBefore, now, observed),
            CrlRow(server.Crl, desired.Ca.Policy.RenewBefore, now),
        };
        // A trusted CA has no ca_certificate.crt on the server: the CAs in root.crt are what expires instead.
        if (desired.Ca.Source == CaSource.Trusted)
        {
            rows.RemoveAt(0);
            rows.InsertRange(0, server.Root.Certificates.Select(c => TrustedRow(server.Root.File, c, desired.Ca.Policy.RenewBefore, now)));
        }
        else
        {
            // During a CA rotation root.crt trusts other CAs beside the current one: they are listed too, with their own expiry.
            foreach (var other in server.Root.Certificates.Where(c => server.CaCertificate.Certificate is not { } current || !c.Equals(current)))
            {
                var s = Crypto.CertificateSummary.From(other);
                rows.Add(new(Addresses.RootBundle, server.Root.File.Host, server.Root.File.Path, s.Subject, s.Issuer, s.NotAfter,
                    DaysLeft(s.NotAfter, now), State(s.NotBefore, s.NotAfter, TimeSpan.Zero, now)) { OldCa = true, CertificateSerial = s.Serial, NotBefore = s.NotBefore });
            }
        }
        if (desired.Web is { } web && observed.Web is { } webSeen)
            rows.Add(Row(Addresses.WebCertificate, webSeen.Certificate, web.Policy.RenewBefore, now, observed));
        foreach (var agent in desired.Agents.List)
        {
            var seen = observed.Agents[agent.Id];
            rows.Add(seen.Unreadable is null
                ? Row(Addresses.AgentCertificate(agent.Id), seen.Certificate, agent.Policy.RenewBefore, now, observed)
                : new(Addresses.AgentCertificate(agent.Id), seen.Certificate.File.Host, seen.Certificate.File.Path, null, null, null, null, CertificateCondition.Unreadable));
        }
        // Trusted CA: a certificate whose new key waits for the CA's signature says so; its live file keeps its own
        // state beside it, so an expired certificate still reads expired while its replacement is being signed.
        if (observed.Trusted?.PendingKeys is { Count: > 0 } pending)
        {
            for (var i = 0; i < rows.Count; i++)
            {
                var address = rows[i].Address;
                var waiting = pending.ContainsKey(address)
                    || (desired.Agents.User == AgentUserMode.Common && address.IsAgentFile && pending.ContainsKey(Addresses.CommonAgentCertificate));
                if (waiting) rows[i] = rows[i] with { PendingSignature = true };
            }
        }
        // Agents retired through agents.revoke_removed, as the ledger records them (the latest retirement of each id).
        var managed = desired.Agents.List.Select(a => a.Id).ToHashSet();
        foreach (var retired in (observed.Ledger?.Ledger?.Retired ?? []).Where(r => !managed.Contains(r.Agent.Id)).GroupBy(r => r.Agent.Id).Select(g => g.Last()).OrderBy(r => r.Agent.Id))
            rows.Add(new(Addresses.AgentCertificate(retired.Agent.Id), retired.Agent.Host, retired.Agent.Certificate, retired.Agent.Subject, retired.Agent.Issuer,
                null, null, retired.Revoked ? CertificateCondition.Revoked : CertificateCondition.Removed)
            {
                Serial = string.Join(", ", retired.Serials.DefaultIfEmpty(retired.Agent.Serial)),
            });
        return rows;
    }

    /// <param name="observed">What was observed: a leaf that root.crl revokes is "revoked", whatever its dates; null for the CA itself.</param>
    private static CertificateStatus Row(ResourceAddress address, ObservedCertificate cert, TimeSpan renewBefore, DateTimeOffset now, ObservedState? observed = null)
    {
        var server = observed?.Server;
        var assessed = new CertificateAssessment(cert);
        if (assessed.File == PairFile.Missing) return new(address, cert.File.Host, cert.File.Path, null, null, null, null, CertificateCondition.Missing);
        if (assessed.File == PairFile.Unreadable) return new(address, cert.File.Host, cert.File.Path, null, null, null, null, CertificateCondition.Unreadable);
        var s = cert.Summary!;
        var revoked = server is not null && assessed.RevokedOn(server.Crl.All, server.Root.Certificates) is not null;
        return new(address, cert.File.Host, cert.File.Path, s.Subject, s.Issuer, s.NotAfter, DaysLeft(s.NotAfter, now),
            revoked ? CertificateCondition.Revoked : server is not null && IssuerExpired(assessed, server, observed!.Signatures, now) ? CertificateCondition.Expired : State(s.NotBefore, s.NotAfter, renewBefore, now))
        {
            CertificateSerial = s.Serial,
            NotBefore = s.NotBefore,
            RenewAt = s.NotAfter - renewBefore,
        };
    }

    /// <summary>
    /// Whether the CA that signed <paramref name="certificate"/> (found in root.crt or ca_certificate.crt by name and signature)
    /// has expired: no client verifies the leaf any more, whatever its own notAfter says.
    /// </summary>
    private static bool IssuerExpired(CertificateAssessment certificate, ObservedServer server, Crypto.SignatureFacts signatures, DateTimeOffset now) =>
        certificate.IssuerAmong(server.Root.Certificates.Append(server.CaCertificate.Certificate).OfType<Org.BouncyCastle.X509.X509Certificate>(), signatures) is { } issuer
        && issuer.NotAfter <= now.UtcDateTime;

    private static CertificateStatus TrustedRow(FileFacts file, Org.BouncyCastle.X509.X509Certificate certificate, TimeSpan renewBefore, DateTimeOffset now)
    {
        var s = Crypto.CertificateSummary.From(certificate);
        return new(Addresses.RootBundle, file.Host, file.Path, s.Subject, s.Issuer, s.NotAfter, DaysLeft(s.NotAfter, now), State(s.NotBefore, s.NotAfter, renewBefore, now))
        {
            CertificateSerial = s.Serial,
            NotBefore = s.NotBefore,
            RenewAt = s.NotAfter - renewBefore,
        };
    }

    private static CertificateStatus CrlRow(ObservedCrl crl, TimeSpan renewBefore, DateTimeOffset now)
    {
        if (!crl.File.Exists) return new(Addresses.RootCrl, crl.File.Host, crl.File.Path, null, null, null, null, CertificateCondition.Missing);
        if (crl.Crl is null) return new(Addresses.RootCrl, crl.File.Host, crl.File.Path, null, null, null, null, CertificateCondition.Unreadable);
        var issuer = Crypto.DistinguishedNames.Format(crl.Crl.IssuerDN);
        if (crl.Crl.NextUpdate is not { } next) return new(Addresses.RootCrl, crl.File.Host, crl.File.Path, "CRL", issuer, null, null, CertificateCondition.Ok);
        var nextUpdate = new DateTimeOffset(next, TimeSpan.Zero);
        return new(Addresses.RootCrl, crl.File.Host, crl.File.Path, "CRL (nextUpdate)", issuer, nextUpdate, DaysLeft(nextUpdate, now),
            State(DateTimeOffset.MinValue, nextUpdate, renewBefore, now)) { RenewAt = nextUpdate - renewBefore };
    }

    private static int DaysLeft(DateTimeOffset notAfter, DateTimeOffset now) => (int)Math.Floor((notAfter - now).TotalDays);

    private static CertificateCondition State(DateTimeOffset notBefore, DateTimeOffset notAfter, TimeSpan renewBefore, DateTimeOffset now) =>
        notAfter <= now ? CertificateCondition.Expired
        : notBefore > now ? CertificateCondition.NotYetValid
        : notAfter - now <= renewBefore ? CertificateCondition.RenewSoon
        : CertificateCondition.Ok;
}
