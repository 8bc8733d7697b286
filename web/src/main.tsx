import 'cesium/Build/Cesium/Widgets/widgets.css';
import './app.css';
import { createRoot } from 'react-dom/client';
import { App } from './App';
import { t } from './i18n';

document.title = t('app.title');
const root = document.getElementById('root');
if (!root) throw new Error('#root missing from index.html');
createRoot(root).render(<App />);
