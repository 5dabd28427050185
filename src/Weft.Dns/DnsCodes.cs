namespace Weft.Dns;

/// <summary>Record and query types this server knows by name (RFC 1035, 3596, 6891). Any other value is still representable.</summary>
public enum DnsType : ushort
{
    A = 1,
    NS = 2,
    CNAME = 5,
    SOA = 6,
    PTR = 12,
    MX = 15,
    TXT = 16,
    AAAA = 28,
    SRV = 33,
    OPT = 41,
    IXFR = 251,
    AXFR = 252,
    ANY = 255,
}

/// <summary>Classes (RFC 1035 §3.2.4). Only IN is served; ANY in a question is read as IN.</summary>
public enum DnsClass : ushort
{
    IN = 1,
    CH = 3,
    HS = 4,
    ANY = 255,
}

/// <summary>Response codes: the 4-bit header RCODE (RFC 1035 §4.1.1), extended by 8 bits in the OPT record.</summary>
public enum DnsRcode : ushort
{
    NoError = 0,
    FormErr = 1,
    ServFail = 2,
    NxDomain = 3,
    NotImp = 4,
    Refused = 5,
    /// <summary>Extended (RFC 6891): the upper 8 bits travel in the OPT record, the header carries 0.</summary>
    BadVers = 16,
}

/// <summary>Header opcodes (RFC 1035, 1996, 2136). Only QUERY is served; every other one is answered NOTIMP.</summary>
public enum DnsOpcode : byte
{
    Query = 0,
    IQuery = 1,
    Status = 2,
    Notify = 4,
    Update = 5,
}
