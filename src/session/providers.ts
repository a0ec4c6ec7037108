import type { TransportSetting } from './manager.ts';

/**
 * Provider presets: the defaults `warmline.provider` fills in. An explicit `warmline.baseUrl`,
 * `warmline.model` or `warmline.transport` always wins. What each server can really do (the
 * WebSocket mode, warmup, chaining) is learned from its answers and cached per endpoint; the
 * transport here is only where to start.
 */
export interface ProviderPreset {
  label: string;
  baseUrl: string;
  model: string;
  transport: TransportSetting;
  /** Local servers need no key. */
  needsKey: boolean;
  /** Environment variables holding the key, in order. */
  keyEnv: string[];
  /** How the key is sent: Azure takes `api-key`, everyone else `Authorization: Bearer`. */
  keyHeader: 'authorization' | 'api-key';
  /** Servers that keep stored responses can be chained over HTTP (store: true), which local ones may do freely. */
  storeOverHttp: boolean;
}

export const PROVIDERS = {
  openai: {
    label: 'OpenAI',
    baseUrl: 'https://api.openai.com/v1',
    model: 'gpt-5.1',
    transport: 'auto',
    needsKey: true,
    keyEnv: ['OPENAI_API_KEY'],
    keyHeader: 'authorization',
    storeOverHttp: false,
  },
  xai: {
    label: 'xAI',
    baseUrl: 'https://api.x.ai/v1',
    model: 'grok-4',
    transport: 'auto',
    needsKey: true,
    keyEnv: ['XAI_API_KEY'],
    keyHeader: 'authorization',
    storeOverHttp: false,
  },
  azure: {
    label: 'Azure OpenAI',
    baseUrl: 'https://YOUR-RESOURCE.openai.azure.com/openai/v1',
    model: 'gpt-5.1',
    transport: 'auto',
    needsKey: true,
    keyEnv: ['AZURE_OPENAI_API_KEY'],
    keyHeader: 'api-key',
    storeOverHttp: false,
  },
  ollama: {
    label: 'Ollama',
    baseUrl: 'http://localhost:11434/v1',
    model: 'gpt-oss:20b',
    transport: 'auto',
    needsKey: false,
    keyEnv: [],
    keyHeader: 'authorization',
    storeOverHttp: true,
  },
  lmstudio: {
    label: 'LM Studio',
    baseUrl: 'http://localhost:1234/v1',
    model: 'openai/gpt-oss-20b',
    transport: 'auto',
    needsKey: false,
    keyEnv: [],
    keyHeader: 'authorization',
    storeOverHttp: true,
  },
  llamacpp: {
    label: 'llama.cpp server',
    baseUrl: 'http://localhost:8080/v1',
    model: 'default',
    transport: 'auto',
    needsKey: false,
    keyEnv: [],
    keyHeader: 'authorization',
    storeOverHttp: true,
  },
  vllm: {
    label: 'vLLM',
    baseUrl: 'http://localhost:8000/v1',
    model: 'openai/gpt-oss-20b',
    transport: 'auto',
    needsKey: false,
    keyEnv: [],
    keyHeader: 'authorization',
    storeOverHttp: true,
  },
  localai: {
    label: 'LocalAI',
    baseUrl: 'http://localhost:8080/v1',
    model: 'gpt-oss-20b',
    transport: 'auto',
    needsKey: false,
    keyEnv: [],
    keyHeader: 'authorization',
    storeOverHttp: true,
  },
} satisfies Record<string, ProviderPreset>;

export type ProviderId = keyof typeof PROVIDERS;

export function isProviderId(id: string): id is ProviderId {
  return Object.hasOwn(PROVIDERS, id);
}

export function preset(id: string): ProviderPreset {
  return isProviderId(id) ? PROVIDERS[id] : PROVIDERS.openai;
}
