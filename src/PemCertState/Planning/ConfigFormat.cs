namespace PemCertState.Planning;

public enum ConfigFormat { PostgresqlConf, AgentCfg, ApacheConf, NginxConf }
