import { EmbeddedSearchIndex } from '../../src/search-index/embedded/embedded-search-index';
import { searchIndexContract } from './search-index.contract';

searchIndexContract('EmbeddedSearchIndex', async () => new EmbeddedSearchIndex());
