"""Raw config requests for tests: IncrementalAlterConfigs v0 (kafka-python 2.0.2 has none),
DescribeConfigs v3 (documentation and config types; kafka-python stops at v2) and AlterConfigs v0
with null values (which no client sends). Non-flexible versions, kafka-python's type codecs."""
from kafka.protocol.api import Request, Response
from kafka.protocol.types import Array, Boolean, Int8, Int16, Int32, Schema, String

TOPIC, BROKER, BROKER_LOGGER = 2, 4, 8
SET, DELETE, APPEND, SUBTRACT = 0, 1, 2, 3
# Kafka's ConfigSource codes
DYNAMIC_TOPIC, DYNAMIC_BROKER, DYNAMIC_DEFAULT_BROKER, STATIC_BROKER, DEFAULT = 1, 2, 3, 4, 5
ERR = {"NONE": 0, "UNKNOWN_TOPIC_OR_PARTITION": 3, "INVALID_TOPIC_EXCEPTION": 17, "INVALID_CONFIG": 40,
       "INVALID_REQUEST": 42}


class IncrementalAlterConfigsResponse_v0(Response):
    API_KEY = 44
    API_VERSION = 0
    SCHEMA = Schema(('throttle_time_ms', Int32),
                    ('resources', Array(('error_code', Int16), ('error_message', String('utf-8')),
                                        ('resource_type', Int8), ('resource_name', String('utf-8')))))


class IncrementalAlterConfigsRequest_v0(Request):
    API_KEY = 44
    API_VERSION = 0
    RESPONSE_TYPE = IncrementalAlterConfigsResponse_v0
    SCHEMA = Schema(('resources', Array(('resource_type', Int8), ('resource_name', String('utf-8')),
                                        ('configs', Array(('name', String('utf-8')), ('op', Int8),
                                                          ('value', String('utf-8')))))),
                    ('validate_only', Boolean))


class AlterConfigsResponse_v0(Response):
    API_KEY = 33
    API_VERSION = 0
    SCHEMA = IncrementalAlterConfigsResponse_v0.SCHEMA


class AlterConfigsRequest_v0(Request):
    API_KEY = 33
    API_VERSION = 0
    RESPONSE_TYPE = AlterConfigsResponse_v0
    SCHEMA = Schema(('resources', Array(('resource_type', Int8), ('resource_name', String('utf-8')),
                                        ('configs', Array(('name', String('utf-8')), ('value', String('utf-8')))))),
                    ('validate_only', Boolean))


class DescribeConfigsResponse_v3(Response):
    API_KEY = 32
    API_VERSION = 3
    SCHEMA = Schema(
        ('throttle_time_ms', Int32),
        ('results', Array(
            ('error_code', Int16), ('error_message', String('utf-8')),
            ('resource_type', Int8), ('resource_name', String('utf-8')),
            ('configs', Array(
                ('name', String('utf-8')), ('value', String('utf-8')), ('read_only', Boolean),
                ('source', Int8), ('is_sensitive', Boolean),
                ('synonyms', Array(('name', String('utf-8')), ('value', String('utf-8')), ('source', Int8))),
                ('config_type', Int8), ('documentation', String('utf-8')))))))


class DescribeConfigsRequest_v3(Request):
    API_KEY = 32
    API_VERSION = 3
    RESPONSE_TYPE = DescribeConfigsResponse_v3
    SCHEMA = Schema(('resources', Array(('resource_type', Int8), ('resource_name', String('utf-8')),
                                        ('config_names', Array(String('utf-8'))))),
                    ('include_synonyms', Boolean), ('include_documentation', Boolean))


def incremental_alter(conn, resources, validate_only=False):
    """resources: [(type, name, [(key, op, value)])] -> [(error_code, error_message, type, name)]."""
    return conn.request(IncrementalAlterConfigsRequest_v0(resources=resources, validate_only=validate_only)).resources


def alter(conn, resources, validate_only=False):
    """resources: [(type, name, [(key, value)])] -> [(error_code, error_message, type, name)]."""
    return conn.request(AlterConfigsRequest_v0(resources=resources, validate_only=validate_only)).resources


def describe_v3(conn, resources, synonyms=True, documentation=True):
    """resources: [(type, name, keys or None)] -> the decoded results, configs as dicts by name."""
    resp = conn.request(DescribeConfigsRequest_v3(resources=resources, include_synonyms=synonyms,
                                                  include_documentation=documentation))
    out = []
    for err, msg, rtype, rname, configs in resp.results:
        out.append({"error_code": err, "error_message": msg, "type": rtype, "name": rname,
                    "configs": {c[0]: {"value": c[1], "read_only": c[2], "source": c[3], "sensitive": c[4],
                                       "synonyms": [tuple(s) for s in c[5]], "type": c[6], "doc": c[7]}
                                for c in configs}})
    return out
