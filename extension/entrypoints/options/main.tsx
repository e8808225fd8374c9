import { render } from 'preact';
import '../../components/theme.css';
import './options.css';
import { OptionsApp } from './options-app.js';

const root = document.getElementById('app');
if (root !== null) render(<OptionsApp />, root);
