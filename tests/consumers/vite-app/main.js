// A Vite app importing the package by its bare name, with no Vite configuration at all: Vite must find and
// emit reelcut_bg.wasm on its own (the glue locates it with `new URL(..., import.meta.url)`).
import * as reelcut from 'reelcut';
import { playFixture } from '../shared/play-fixture.js';
import { readBarcode } from '../shared/barcode.js';

window.played = playFixture(reelcut, document.getElementById('screen'), '/media/clip.mp4', readBarcode);
