/**
 * The playground: a Pool of @ipam/core in the page. Type prefixes, allocate addresses or prefixes, release them,
 * and watch the address map. Everything runs in the browser; bundled by esbuild into one classic script so that
 * the page works from file:// as well as from a server.
 */
import { IpamError, Pool, type Family } from '@ipam/core';
import { layoutMap, renderMap } from './address-map.js';

const $ = <T extends HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (el === null) throw new Error(`playground: #${id} is missing from the page`);
  return el as T;
};

const prefixesInput = $<HTMLTextAreaElement>('prefixes');
const reserveInput = $<HTMLInputElement>('reserve');
const bitsInput = $<HTMLInputElement>('bits');
const ownerInput = $<HTMLInputElement>('owner');
const familySelect = $<HTMLSelectElement>('family');
const releaseInput = $<HTMLInputElement>('release-value');
const errorBox = $<HTMLParagraphElement>('error');
const status = $<HTMLParagraphElement>('status');
const list = $<HTMLUListElement>('allocations');
const map = $<HTMLDivElement>('map');
const stats = $<HTMLParagraphElement>('stats');

let pool: Pool | undefined;
let counter = 0;

const words = (s: string): string[] => s.split(/[\s,]+/).filter((w) => w !== '');

/** Shows the message of an IpamError (or any error) next to the form that caused it; the state is unchanged. */
function fail(e: unknown): void {
  errorBox.textContent = IpamError.isInstance(e) ? `${e.message} (${e.code})` : e instanceof Error ? e.message : String(e);
  errorBox.hidden = false;
}

function ok(message: string): void {
  errorBox.textContent = '';
  errorBox.hidden = true;
  status.textContent = message;
}

function render(): void {
  list.replaceChildren();
  if (pool === undefined) {
    map.innerHTML = '';
    stats.textContent = 'No pool yet: type prefixes and create one.';
    return;
  }
  const layout = layoutMap(pool);
  map.innerHTML = renderMap(layout);
  const s = pool.stats();
  stats.textContent = `${pool.prefixes().join(', ')}: ${s.used} used, ${s.free} free, ${s.reserved} reserved of ${s.size} addresses`;
  for (const row of layout.rows) {
    for (const seg of row.segments) {
      if (seg.kind !== 'allocated') continue;
      const li = document.createElement('li');
      li.dataset['value'] = seg.value;
      const text = document.createElement('span');
      text.className = 'allocation';
      text.textContent = seg.owner === undefined ? seg.value : `${seg.value} — ${seg.owner}`;
      const button = document.createElement('button');
      button.type = 'button';
      button.textContent = 'Release';
      button.setAttribute('aria-label', `Release ${seg.value}`);
      button.addEventListener('click', () => release(seg.value));
      li.append(text, ' ', button);
      list.append(li);
    }
  }
}

function release(value: string): void {
  try {
    if (pool === undefined) throw new Error('create a pool first');
    pool.release(value);
    ok(`Released ${value}.`);
  } catch (e) {
    fail(e);
  }
  render();
}

$<HTMLFormElement>('pool-form').addEventListener('submit', (event) => {
  event.preventDefault();
  try {
    const next = new Pool(words(prefixesInput.value), { reserve: words(reserveInput.value) });
    pool = next;
    counter = 0;
    ok(`Pool over ${next.prefixes().join(', ')}.`);
  } catch (e) {
    fail(e);
  }
  render();
});

$<HTMLFormElement>('allocate-form').addEventListener('submit', (event) => {
  event.preventDefault();
  try {
    if (pool === undefined) throw new Error('create a pool first');
    const family = familySelect.value === '' ? undefined : (Number(familySelect.value) as Family);
    const owner = ownerInput.value.trim() === '' ? `#${counter + 1}` : ownerInput.value.trim();
    const bits = bitsInput.value.trim();
    const got = bits === '' ? pool.allocate({ family, owner }) : pool.allocatePrefix(Number(bits.replace(/^\//, '')), { family, owner });
    counter++;
    ok(`Allocated ${got} to ${owner}.`);
  } catch (e) {
    fail(e);
  }
  render();
});

$<HTMLFormElement>('release-form').addEventListener('submit', (event) => {
  event.preventDefault();
  release(releaseInput.value.trim());
});

render();
